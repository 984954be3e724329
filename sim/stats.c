#include "sim/stats.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sim/log.h"

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof *s);
}

void stats_fini(struct stats *s)
{
	free(s->entries);
	free(s->values);
	memset(s, 0, sizeof *s);
}

int stats_register(struct stats *s, const char *block, const char *name, const char *unit,
                   const char *desc, uint64_t *value)
{
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->entries[i].block, block) && !strcmp(s->entries[i].name, name)) {
			log_error("stats: %s.%s registered twice", block, name);
			return -1;
		}
	if (s->count == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct stats_entry *e = realloc(s->entries, cap * sizeof *e);
		if (!e)
			return -1;
		s->entries = e;
		uint64_t **v = realloc(s->values, cap * sizeof *v);
		if (!v)
			return -1;
		s->values = v;
		s->cap = cap;
	}
	s->values[s->count] = value;
	struct stats_entry *e = &s->entries[s->count++];
	snprintf(e->block, sizeof e->block, "%s", block);
	e->name = name;
	e->unit = unit;
	e->desc = desc;
	e->value = value;
	return 0;
}

void stats_snapshot(const struct stats *s, uint64_t *out)
{
	for (size_t i = 0; i < s->count; i++)
		out[i] = *s->values[i];
}

void stats_restore(struct stats *s, const uint64_t *snap)
{
	for (size_t i = 0; i < s->count; i++)
		*s->values[i] = snap[i];
}

void stats_add_times(struct stats *s, const uint64_t *delta, uint64_t times)
{
	for (size_t i = 0; i < s->count; i++)
		*s->values[i] += delta[i] * times;
}

uint64_t stats_get(const struct stats *s, const char *block, const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (!strcmp(s->entries[i].block, block) && !strcmp(s->entries[i].name, name))
			return *s->entries[i].value;
	return 0;
}

void stats_dump_text(const struct stats *s, FILE *out)
{
	for (size_t i = 0; i < s->count; i++) {
		const struct stats_entry *e = &s->entries[i];
		fprintf(out, "%s.%s %llu %s # %s\n", e->block, e->name,
		        (unsigned long long)*e->value, e->unit, e->desc);
	}
}

struct json_object *stats_to_json(const struct stats *s)
{
	struct json_object *root = json_object_new_object();
	for (size_t i = 0; i < s->count; i++) {
		const struct stats_entry *e = &s->entries[i];
		struct json_object *blk;
		if (!json_object_object_get_ex(root, e->block, &blk)) {
			blk = json_object_new_object();
			json_object_object_add(root, e->block, blk);
		}
		json_object_object_add(blk, e->name, json_object_new_uint64(*e->value));
	}
	return root;
}
