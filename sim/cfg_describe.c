/* cfg_describe — the tables as text: --describe's listing of every setting, one field's value
 * formatted so that it reads back (cfg_format_field), and a loaded root's values (cfg_write_values). Not: reading values (cfg.c), the
 * units and how each is written (cfg_units.c). */
#include "sim/cfg.h"

#include "sim/cfg_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *cfg_format_field(char *buf, size_t len, const struct cfg_field *field,
                             const void *block_struct)
{
	const char *m = (const char *)block_struct + field->offset;

	switch (field->type) {
	case CFG_BOOL: {
		bool v;
		memcpy(&v, m, sizeof(v));
		snprintf(buf, len, "%s", v ? "true" : "false");
		break;
	}
	case CFG_INT: {
		int64_t v;
		memcpy(&v, m, sizeof(v));
		snprintf(buf, len, "%lld", (long long)v);
		break;
	}
	case CFG_BYTES: {
		uint64_t v;
		memcpy(&v, m, sizeof(v));
		if (v < (1ull << 53))
			cfg_units_format(buf, len, CFG_BYTES, (double)v);
		else
			snprintf(buf, len, "%llu B", (unsigned long long)v);
		break;
	}
	case CFG_REAL:
	case CFG_RATE:
	case CFG_FREQ:
	case CFG_TIME:
	case CFG_ENERGY:
	case CFG_POWER: {
		double v;
		memcpy(&v, m, sizeof(v));
		cfg_units_format(buf, len, field->type, v);
		break;
	}
	case CFG_STRING: snprintf(buf, len, "%.*s", CFG_STRING_MAX - 1, m); break;
	case CFG_ENUM: {
		int v, n = 0;
		memcpy(&v, m, sizeof(v));
		while (field->names && field->names[n])
			n++;
		snprintf(buf, len, "%s", v >= 0 && v < n ? field->names[v] : "?");
		break;
	}
	}
	return buf;
}

static void cfg_describe_range(char *buf, size_t len, const struct cfg_field *f)
{
	char lo[64], hi[64];

	if (f->type == CFG_BOOL) {
		snprintf(buf, len, "true|false");
	} else if (f->type == CFG_STRING) {
		snprintf(buf, len, "<= %d bytes", CFG_STRING_MAX - 1);
	} else if (f->type == CFG_ENUM) {
		size_t o = 0;
		buf[0] = '\0';
		for (size_t i = 0; f->names && f->names[i] && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "", f->names[i]);
	} else {
		cfg_units_format(lo, sizeof(lo), f->type, f->min);
		cfg_units_format(hi, sizeof(hi), f->type, f->max);
		if (isinf(f->min) && isinf(f->max))
			snprintf(buf, len, "any");
		else if (isinf(f->max))
			snprintf(buf, len, ">= %s", lo);
		else if (isinf(f->min))
			snprintf(buf, len, "<= %s", hi);
		else
			snprintf(buf, len, "[%s, %s]", lo, hi);
	}
}

void cfg_describe(FILE *out, const struct cfg_block *blocks, size_t nblocks)
{
	cfg_describe_as(out, NULL, blocks, nblocks);
}

void cfg_describe_as(FILE *out, const char *title, const struct cfg_block *blocks, size_t nblocks)
{
	static const enum cfg_type unit_types[] = { CFG_BYTES, CFG_RATE,   CFG_FREQ,
		                                    CFG_TIME,  CFG_ENERGY, CFG_POWER };
	char path[CFG_PATH_MAX], range[CFG_MSG_MAX];
	int wpath = 4, wtype = 4, wunit = 4, wdef = 7, wrange = 5;

	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			cfg_describe_range(range, sizeof(range), fld);
#define CFG_WIDEN(w, s)           \
	if ((int)strlen(s) > (w)) \
	(w) = (int)strlen(s)
			CFG_WIDEN(wpath, path);
			CFG_WIDEN(wtype, cfg_units_type_name(fld->type));
			CFG_WIDEN(wunit, fld->unit[0] ? fld->unit : "-");
			CFG_WIDEN(wdef, fld->def ? fld->def : "required");
			CFG_WIDEN(wrange, range);
#undef CFG_WIDEN
		}
	bool units = false;
	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++)
			units |= blocks[b].fields[f].type >= CFG_BYTES &&
			         blocks[b].fields[f].type <= CFG_POWER;
	fprintf(out, "# %s\n",
	        title ? title
	              : "Every setting of an architecture file (libconfig syntax; --set PATH=VALUE).");
	if (units) {
		fprintf(out, "# Values with units are strings, e.g. size = \"40 MiB\". A size may be a "
		             "plain number of bytes;\n# a rate, frequency, time, energy or power needs "
		             "its unit (only 0 may be plain).\n");
		for (size_t t = 0; t < sizeof(unit_types) / sizeof(unit_types[0]); t++)
			fprintf(out, "#   %-6s %s\n", cfg_units_type_name(unit_types[t]),
			        cfg_units_accepted(unit_types[t]));
	}
	for (size_t b = 0; b < nblocks; b++) {
		fprintf(out, "\n[%s] %s\n", blocks[b].path[0] ? blocks[b].path : "(top level)",
		        blocks[b].desc);
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, "path", wtype, "type",
		        wunit, "unit", wdef, "default", wrange, "range", "description");
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			cfg_describe_range(range, sizeof(range), fld);
			fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, path, wtype,
			        cfg_units_type_name(fld->type), wunit,
			        fld->unit[0] ? fld->unit : "-", wdef,
			        fld->def ? fld->def : "required", wrange, range, fld->desc);
		}
	}
}

void cfg_write_values(FILE *out, const struct cfg_block *blocks, size_t nblocks, const void *root)
{
	char path[CFG_PATH_MAX], value[CFG_MSG_MAX];

	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			cfg_format_field(value, sizeof(value), fld,
			                 (const char *)root + blocks[b].offset);
			fprintf(out, "%s = %s\n", path, value);
		}
}
