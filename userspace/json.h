/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal streaming JSON writer for vsecctl's --json output. */
#ifndef VSEC_JSON_H
#define VSEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[16];		/* no comma before the next member */
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_string(struct json *j, const char *key, const char *s);
/* An object of @n numbers: names[i] is the key of v[i]. */
void json_u64_object(struct json *j, const char *key,
		     const char *const *names, const uint64_t *v, int n);
/* Writes @s as a JSON string literal, escaped. */
void json_write_string(FILE *f, const char *s);

#endif /* VSEC_JSON_H */
