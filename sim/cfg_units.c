/* cfg_units — quantities with units in config text: "40 MiB", "2039 GB/s", "1.41 GHz".
 * Each unit type is one table (name, factor to the stored unit). Parsing is strict: a number,
 * optional spaces, a known unit, nothing else; formatting picks the unit that reads best. */
#include "sim/cfg.h"
#include "sim/num.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfg_unit {
	const char *name;
	int exp10, exp2; /* one of this unit is 10^exp10 * 2^exp2 stored units */
};

/* Decimal units are applied by shifting the decimal exponent of the text and binary ones by
 * ldexp, so "1.41 GHz" is exactly the double nearest 1.41e9 and "50 fJ" the one nearest 0.05. */
static const struct cfg_unit cfg_units_size[] = {
	{ "B", 0, 0 },    { "KB", 3, 0 },   { "MB", 6, 0 },   { "GB", 9, 0 },   { "TB", 12, 0 },
	{ "KiB", 0, 10 }, { "MiB", 0, 20 }, { "GiB", 0, 30 }, { "TiB", 0, 40 }, { NULL, 0, 0 },
};

/* Bit rates (b/s .. Tb/s, a link's or a memory interface's datasheet unit) are an eighth of
 * the byte rate of the same number: "3200 Gb/s" is 400 GB/s. They are read, never written. */
static const struct cfg_unit cfg_units_rate[] = {
	{ "B/s", 0, 0 },    { "KB/s", 3, 0 },   { "MB/s", 6, 0 },   { "GB/s", 9, 0 },
	{ "TB/s", 12, 0 },  { "KiB/s", 0, 10 }, { "MiB/s", 0, 20 }, { "GiB/s", 0, 30 },
	{ "TiB/s", 0, 40 }, { "b/s", 0, -3 },   { "kb/s", 3, -3 },  { "Mb/s", 6, -3 },
	{ "Gb/s", 9, -3 },  { "Tb/s", 12, -3 }, { NULL, 0, 0 },
};

static const struct cfg_unit cfg_units_freq[] = {
	{ "Hz", 0, 0 }, { "kHz", 3, 0 }, { "MHz", 6, 0 }, { "GHz", 9, 0 }, { NULL, 0, 0 },
};

static const struct cfg_unit cfg_units_time[] = {
	{ "ps", 0, 0 }, { "ns", 3, 0 }, { "us", 6, 0 },
	{ "ms", 9, 0 }, { "s", 12, 0 }, { NULL, 0, 0 },
};

static const struct cfg_unit cfg_units_energy[] = {
	{ "fJ", -3, 0 }, { "pJ", 0, 0 }, { "nJ", 3, 0 }, { "uJ", 6, 0 },
	{ "mJ", 9, 0 },  { "J", 12, 0 }, { NULL, 0, 0 },
};

static const struct cfg_unit cfg_units_power[] = {
	{ "uW", -6, 0 }, { "mW", -3, 0 }, { "W", 0, 0 }, { "kW", 3, 0 }, { NULL, 0, 0 },
};

static double cfg_units_scale(const struct cfg_unit *u)
{
	return ldexp(pow(10.0, u->exp10), u->exp2);
}

static const struct cfg_unit *cfg_units_table(enum cfg_type type)
{
	switch (type) {
	case CFG_BYTES: return cfg_units_size;
	case CFG_RATE: return cfg_units_rate;
	case CFG_FREQ: return cfg_units_freq;
	case CFG_TIME: return cfg_units_time;
	case CFG_ENERGY: return cfg_units_energy;
	case CFG_POWER: return cfg_units_power;
	default: return NULL;
	}
}

const char *cfg_units_accepted(enum cfg_type type)
{
	switch (type) {
	case CFG_BYTES: return "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB";
	case CFG_RATE:
		return "B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s; bits: b/s, kb/s, "
		       "Mb/s, Gb/s, Tb/s (1/8 of the byte rate)";
	case CFG_FREQ: return "Hz, kHz, MHz, GHz";
	case CFG_TIME: return "ps, ns, us, ms, s";
	case CFG_ENERGY: return "fJ, pJ, nJ, uJ, mJ, J";
	case CFG_POWER: return "uW, mW, W, kW";
	default: return "";
	}
}

const char *cfg_units_type_name(enum cfg_type type)
{
	switch (type) {
	case CFG_BOOL: return "bool";
	case CFG_INT: return "int";
	case CFG_REAL: return "real";
	case CFG_BYTES: return "size";
	case CFG_RATE: return "rate";
	case CFG_FREQ: return "freq";
	case CFG_TIME: return "time";
	case CFG_ENERGY: return "energy";
	case CFG_POWER: return "power";
	case CFG_STRING: return "string";
	case CFG_ENUM: return "enum";
	}
	return "?";
}

const char *cfg_units_expected(enum cfg_type type)
{
	switch (type) {
	case CFG_BOOL: return "expected true or false";
	case CFG_INT: return "expected an integer";
	case CFG_REAL: return "expected a number";
	case CFG_BYTES: return "expected a size like \"40 MiB\" or an integer";
	case CFG_RATE: return "expected a rate like \"2039 GB/s\"";
	case CFG_FREQ: return "expected a frequency like \"1410 MHz\"";
	case CFG_TIME: return "expected a time like \"30 us\"";
	case CFG_ENERGY: return "expected an energy like \"0.3 pJ\"";
	case CFG_POWER: return "expected a power like \"50 W\"";
	case CFG_STRING: return "expected a string";
	case CFG_ENUM: return "expected one of the listed names";
	}
	return "expected a value";
}

static int cfg_units_is_digit(char c)
{
	return c >= '0' && c <= '9';
}
static int cfg_units_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool cfg_units_same_letters(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* Scans [-+]?digits[.digits][e[-+]digits] (digits on at least one side of the point).
 * Returns the end, or NULL when TEXT does not start with a number. */
static const char *cfg_units_scan_number(const char *p, bool *integral, bool *negative)
{
	size_t digits = 0;

	*integral = true;
	*negative = false;
	if (*p == '+' || *p == '-')
		*negative = *p++ == '-';
	while (cfg_units_is_digit(*p))
		p++, digits++;
	if (*p == '.') {
		*integral = false;
		p++;
		while (cfg_units_is_digit(*p))
			p++, digits++;
	}
	if (digits == 0)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		if (*q == '+' || *q == '-')
			q++;
		if (cfg_units_is_digit(*q)) {
			while (cfg_units_is_digit(*q))
				q++;
			*integral = false;
			p = q;
		}
	}
	return p;
}

/* Length of the valid UTF-8 sequence at P (at most N bytes), 0 if there is none. */
static size_t cfg_units_utf8(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned min, cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1fu, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0fu, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Length of the printable character at P (at most N bytes): valid UTF-8 that is not a
 * control character (C0, DEL, C1: U+0080..U+009F, 0xc2 0x80..0x9f); 0 if it is not one. */
static size_t cfg_units_text_char(const unsigned char *p, size_t n)
{
	size_t k = cfg_units_utf8(p, n);
	if (k == 0 || p[0] < 0x20 || p[0] == 0x7f || (k == 2 && p[0] == 0xc2 && p[1] < 0xa0))
		return 0;
	return k;
}

size_t cfg_units_bad_text(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = cfg_units_text_char(p + i, n - i)))
			return i + 1;
	return 0;
}

size_t cfg_units_printable(char *buf, size_t len, const char *text, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, o = 0;

	if (len == 0)
		return 0;
	while (i < n && p[i] && o + 4 < len && i < max) {
		size_t k = cfg_units_text_char(p + i, n - i);
		if (k == 0) {
			buf[o++] = '?';
			i++;
			continue;
		}
		if (o + k + 4 >= len)
			break;
		memcpy(buf + o, p + i, k);
		o += k;
		i += k;
	}
	if (i < n && p[i] && o + 3 < len)
		buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
	buf[o] = '\0';
	return o;
}

/* TEXT for a message, quoted by the caller: at most 40 bytes, unprintable bytes as '?'. */
static const char *cfg_units_quote(char *buf, size_t len, const char *text)
{
	cfg_units_printable(buf, len, text, strlen(text), 40);
	return buf;
}

/* Which other unit type a unit name belongs to, for "GB/s is a rate" hints. */
static enum cfg_type cfg_units_owner(const char *unit, bool *found)
{
	static const enum cfg_type types[] = { CFG_BYTES, CFG_RATE,   CFG_FREQ,
		                               CFG_TIME,  CFG_ENERGY, CFG_POWER };
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (const struct cfg_unit *u = cfg_units_table(types[t]); u->name; u++)
			if (strcmp(u->name, unit) == 0) {
				*found = true;
				return types[t];
			}
	*found = false;
	return CFG_BOOL;
}

/* Splits TEXT into number and unit. Sets *unit (NULL = none given) and the number's extent. */
static int cfg_units_split(enum cfg_type type, const char *text, const char **num_start,
                           const char **num_end, const struct cfg_unit **unit, bool *integral,
                           bool *negative, char *err, size_t errlen)
{
	const struct cfg_unit *table = cfg_units_table(type);
	char shown[64], ushown[64];
	const char *p = text, *u, *e;
	size_t ulen;

	while (cfg_units_is_space(*p))
		p++;
	*num_start = p;
	*num_end = cfg_units_scan_number(p, integral, negative);
	if (!*num_end) {
		snprintf(err, errlen, "%s, got \"%s\"", cfg_units_expected(type),
		         cfg_units_quote(shown, sizeof(shown), text));
		return -1;
	}
	u = *num_end;
	while (cfg_units_is_space(*u))
		u++;
	e = u + strlen(u);
	while (e > u && cfg_units_is_space(e[-1]))
		e--;
	ulen = (size_t)(e - u);
	*unit = NULL;
	if (ulen == 0)
		return 0;
	for (const struct cfg_unit *t = table; t && t->name; t++)
		if (strlen(t->name) == ulen && memcmp(t->name, u, ulen) == 0) {
			*unit = t;
			return 0;
		}

	/* Not a unit of this type: say what it is, if anything. */
	{
		char uname[32];
		bool found;
		enum cfg_type owner;
		const struct cfg_unit *near = NULL, *near2 = NULL;

		if (ulen >= sizeof(uname)) {
			snprintf(err, errlen, "%s, got \"%s\"", cfg_units_expected(type),
			         cfg_units_quote(shown, sizeof(shown), text));
			return -1;
		}
		memcpy(uname, u, ulen);
		uname[ulen] = '\0';
		cfg_units_quote(ushown, sizeof(ushown), uname);
		owner = cfg_units_owner(uname, &found);
		if (found) {
			snprintf(err, errlen, "\"%s\": %s is a %s unit, this setting is a %s (%s)",
			         cfg_units_quote(shown, sizeof(shown), text), ushown,
			         cfg_units_type_name(owner), cfg_units_type_name(type),
			         cfg_units_accepted(type));
			return -1;
		}
		for (const struct cfg_unit *t = table; t && t->name; t++)
			if (strlen(t->name) == ulen && cfg_units_same_letters(t->name, uname)) {
				if (near)
					near2 = t;
				else
					near = t;
			}
		if (near && near2)
			snprintf(err, errlen,
			         "unknown unit \"%s\" in \"%s\" (did you mean %s or %s?)", ushown,
			         cfg_units_quote(shown, sizeof(shown), text), near->name,
			         near2->name);
		else if (near)
			snprintf(err, errlen, "unknown unit \"%s\" in \"%s\" (did you mean %s?)",
			         ushown, cfg_units_quote(shown, sizeof(shown), text), near->name);
		else
			snprintf(err, errlen, "unknown unit \"%s\" in \"%s\" (use %s)", ushown,
			         cfg_units_quote(shown, sizeof(shown), text),
			         cfg_units_accepted(type));
		return -1;
	}
}

/* The number [start, end) (vetted by cfg_units_scan_number) times UNIT, rounded once:
 * the unit's power of ten joins the text's exponent before strtod, its power of two is exact. */
static int cfg_units_strtod(const char *start, const char *end, const struct cfg_unit *unit,
                            double *out)
{
	char num[160];
	const char *e = start;
	long exp10 = unit ? unit->exp10 : 0;
	char *stop;
	size_t n;

	while (e < end && *e != 'e' && *e != 'E')
		e++;
	if (e < end) {
		/* Exponents beyond a few hundred overflow or underflow anyway; clamp the text. */
		errno = 0;
		long x = strtol(e + 1, NULL, 10);
		if (errno == ERANGE || x > 100000 || x < -100000)
			x = x < 0 ? -100000 : 100000;
		exp10 += x;
	}
	n = (size_t)(e - start);
	if (n + 16 >= sizeof(num))
		return -1;
	memcpy(num, start, n);
	n += (size_t)snprintf(num + n, sizeof(num) - n, "e%ld", exp10);
	*out = strtod(num, &stop);
	/* A locale with a decimal comma would stop early: refuse rather than misread. */
	if (stop != num + n)
		return -1;
	if (unit && unit->exp2)
		*out = ldexp(*out, unit->exp2);
	return 0;
}

int cfg_units_parse(enum cfg_type type, const char *text, double *value, char *err, size_t errlen)
{
	const char *start, *end;
	const struct cfg_unit *unit;
	bool integral, negative;
	char shown[64];
	double v;

	if (!cfg_units_table(type)) {
		snprintf(err, errlen, "%s", cfg_units_expected(type));
		return -1;
	}
	if (cfg_units_split(type, text, &start, &end, &unit, &integral, &negative, err, errlen))
		return -1;
	if (cfg_units_strtod(start, end, unit, &v)) {
		snprintf(err, errlen, "%s, got \"%s\"", cfg_units_expected(type),
		         cfg_units_quote(shown, sizeof(shown), text));
		return -1;
	}
	if (!isfinite(v)) {
		snprintf(err, errlen, "\"%s\" is not a finite number",
		         cfg_units_quote(shown, sizeof(shown), text));
		return -1;
	}
	*value = v;
	return 0;
}

int cfg_units_parse_bytes(const char *text, uint64_t *bytes, char *err, size_t errlen)
{
	const char *start, *end;
	const struct cfg_unit *unit;
	bool integral, negative;
	char shown[64];
	double v, r;

	if (cfg_units_split(CFG_BYTES, text, &start, &end, &unit, &integral, &negative, err,
	                    errlen))
		return -1;
	cfg_units_quote(shown, sizeof(shown), text);
	if (negative) {
		snprintf(err, errlen, "\"%s\": a size cannot be negative", shown);
		return -1;
	}
	if (integral) {
		/* Whole numbers stay exact past 2^53. */
		char num[64];
		unsigned long long n;
		uint64_t scale = 1;
		size_t len = (size_t)(end - start);

		if (len >= sizeof(num))
			goto too_big;
		memcpy(num, start, len);
		num[len] = '\0';
		for (int i = 0; unit && i < unit->exp10; i++)
			scale *= 10;
		if (unit)
			scale <<= unit->exp2;
		errno = 0;
		n = strtoull(num[0] == '+' ? num + 1 : num, NULL, 10);
		if (errno == ERANGE || __builtin_mul_overflow((uint64_t)n, scale, bytes))
			goto too_big;
		return 0;
	}
	if (cfg_units_strtod(start, end, unit, &v)) {
		snprintf(err, errlen, "%s, got \"%s\"", cfg_units_expected(CFG_BYTES), shown);
		return -1;
	}
	if (!isfinite(v) || v >= 18446744073709551616.0)
		goto too_big;
	r = nearbyint(v);
	/* "1.1 KiB" is 1126.4 B, not a size; keep only the last bit of a double as slack. */
	if (fabs(v - r) > 4 * DBL_EPSILON * fabs(v)) {
		snprintf(err, errlen, "\"%s\" is not a whole number of bytes", shown);
		return -1;
	}
	*bytes = (uint64_t)r;
	return 0;

too_big:
	snprintf(err, errlen, "\"%s\" does not fit in 64 bits of bytes", shown);
	return -1;
}

/* Shortest %g text of V that reads back as V. */
static void cfg_units_shortest(char *buf, size_t len, double v)
{
	if (num_shortest(v, 6, buf, len))
		snprintf(buf, len, "%.17g", v);
}

const char *cfg_units_format(char *buf, size_t len, enum cfg_type type, double value)
{
	const struct cfg_unit *table = cfg_units_table(type), *best = NULL;
	char text[64], cand[96], best_text[96] = "", err[8];
	size_t best_cost = (size_t)-1;

	if (!table || !isfinite(value)) {
		cfg_units_shortest(buf, len, value);
		return buf;
	}
	/* The unit whose number is shortest (a decimal point costs one more, an exponent four;
	 * ties go to the larger unit), among those that read back exactly: "2039 GB/s",
	 * "1.5 TB/s", "1410 MHz", "40 MiB", "80 GB", "300 mW", "30 us". */
	for (const struct cfg_unit *u = table; u->name; u++) {
		double q = ldexp(value, -u->exp2), back;
		size_t cost;

		if (u->exp2 < 0)
			continue; /* bit rates are read, not written */
		q = u->exp10 >= 0 ? q / pow(10.0, u->exp10) : q * pow(10.0, -u->exp10);
		if (fabs(q) < 1 && !(u->exp10 == 0 && u->exp2 == 0))
			continue;
		cfg_units_shortest(text, sizeof(text), q);
		snprintf(cand, sizeof(cand), "%s %s", text, u->name);
		if (cfg_units_parse(type, cand, &back, err, sizeof(err)) || back != value)
			continue;
		cost = strlen(text) + (strchr(text, '.') ? 1 : 0) + (strchr(text, 'e') ? 4 : 0);
		if (!best || cost < best_cost ||
		    (cost == best_cost && cfg_units_scale(u) > cfg_units_scale(best))) {
			best_cost = cost;
			best = u;
			snprintf(best_text, sizeof(best_text), "%s", cand);
		}
	}
	if (!best) {
		/* Cannot happen for the stored unit; keep a readable answer regardless. */
		cfg_units_shortest(text, sizeof(text), value);
		for (const struct cfg_unit *u = table; u->name; u++)
			if (u->exp10 == 0 && u->exp2 == 0)
				snprintf(best_text, sizeof(best_text), "%s %s", text, u->name);
	}
	snprintf(buf, len, "%s", best_text);
	return buf;
}
