/* SPDX-License-Identifier: MIT */
/*
 * opt.h - settings from tables: one entry per key says its name (in config
 * files, and on the command line if it has one), its type and range, where
 * its value goes in a struct, and what it means. From the same entries come
 * the parser, the error messages (one style everywhere), the value as a
 * config file would write it, --help and the docs' key tables.
 *
 * An error reads
 *   WHERE: key 'KEY': bad value 'VALUE': WHY; expected WHAT
 * e.g. "lu2kd.conf:3: key 'port': bad value '0': out of range; expected a
 * number 1..65535", where WHERE is "FILE:LINE" or "command line".
 */
#ifndef LU2K_COMMON_OPT_H
#define LU2K_COMMON_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lu2k_opt_type {
	LU2K_OPT_FLAG, /* command line only, no argument: stores true */
	LU2K_OPT_BOOL, /* 1/yes/true/on or 0/no/false/off; names: the two words shown */
	LU2K_OPT_UINT, /* base 10, min..max; LU2K_OPT_F_SIZE: K, M, G suffixes */
	LU2K_OPT_MS,   /* milliseconds: "250", "250ms", "10s", "5m", "1h"; min..max in ms */
	LU2K_OPT_STR,  /* non-empty, shorter than the field */
	LU2K_OPT_ENUM, /* one of names (NULL-terminated); the index is stored */
	LU2K_OPT_PTR,  /* command line only: a const char * to the argument; min 1: not "" */
	LU2K_OPT_FUNC, /* parse() and show() do it: the rare special case */
};

/* K, M, G suffixes (UINT) */
#define LU2K_OPT_F_SIZE (1u << 0)
/* the key may be given several times, each adds one (no "set again" warning) */
#define LU2K_OPT_F_REPEAT (1u << 1)
/* not listed by lu2k_opt_at (another key shows its value) */
#define LU2K_OPT_F_NOSHOW (1u << 2)
/* FLAG: stores false (--no-ipv6) */
#define LU2K_OPT_F_CLEAR (1u << 3)
/* bits from here on are the caller's */
#define LU2K_OPT_F_USER (1u << 16)

struct lu2k_opt {
	const char *key;  /* the config key; NULL: command line only */
	const char *lopt; /* --long option, or NULL: config file only */
	char sopt;	  /* -x, or 0 */
	const char *arg;  /* the argument's name in --help: "N", "PATH" */
	enum lu2k_opt_type type;
	size_t off, size;	  /* the field: offsetof, sizeof (integers: 1, 2, 4 or 8) */
	uint64_t min, max;	  /* UINT, MS: as written */
	uint64_t scale;		  /* UINT, MS: stored = written x scale (0 is 1), e.g. ms to ns */
	const char *const *names; /* ENUM: the names; BOOL: { false word, true word } */
	const char *what;	  /* the noun in "expected WHAT 1..10" ("a port number") */
	const char *zero;	  /* UINT, MS: 0 is always taken and means this ("never") */
	const char *dflt;	  /* the default as written; NULL: shown from a defaults struct */
	const char *help;	  /* one line */
	unsigned int flags;
	/*
	 * UINT, MS: the range from the struct (it depends on other settings),
	 * instead of min and max.
	 */
	void (*range)(const void *obj, uint64_t *min, uint64_t *max);
	/*
	 * FUNC: 0, or -EINVAL with why (may be ""); what says what is expected.
	 * o is the entry: one callback may serve several fields (o->off, min...).
	 */
	int (*parse)(const struct lu2k_opt *o, void *obj, const char *value, char *why,
		     size_t whylen);
	/* FUNC: the value as a config file would write it */
	void (*show)(const struct lu2k_opt *o, const void *obj, char *buf, size_t len);
};

/* Table helpers: the field of struct type T. */
#define LU2K_OPT_AT(T, field) .off = offsetof(T, field), .size = sizeof(((T *)0)->field)

/* A table ends with an entry whose key and lopt are both NULL. */
#define LU2K_OPT_END                      \
	{                                 \
		.key = NULL, .lopt = NULL \
	}

static inline bool lu2k_opt_is_end(const struct lu2k_opt *o)
{
	return !o->key && !o->lopt;
}

extern const char *const lu2k_opt_yes_no[];   /* { "no", "yes" } */
extern const char *const lu2k_opt_off_on[];   /* { "off", "on" } */
extern const char *const lu2k_opt_zero_one[]; /* { "0", "1" } */

/* The entry of key (config name), or NULL. */
const struct lu2k_opt *lu2k_opt_find(const struct lu2k_opt *t, const char *key);

/*
 * Parse value into obj's field. where names the origin for messages
 * ("FILE:LINE"), or is the option as given ("--b2a-loss"), or NULL for
 * "--LOPT": on the command line the error names the option, "--port: bad
 * value '0': ...". 0, or -EINVAL with the error in err; obj is unchanged then.
 */
int lu2k_opt_set(const struct lu2k_opt *o, void *obj, const char *value, const char *where,
		 char *err, size_t errlen);

/* lu2k_opt_find + lu2k_opt_set; unknown key: -ENOENT, "WHERE: unknown KIND key 'KEY'" */
int lu2k_opt_set_key(const struct lu2k_opt *t, const char *kind, void *obj, const char *key,
		     const char *value, const char *where, char *err, size_t errlen);

/* Base 10 (no octal, no hex) number within lo..hi; K, M, G if size. 0 or -EINVAL, why set. */
int lu2k_opt_parse_u64(const char *s, uint64_t lo, uint64_t hi, bool size, uint64_t *out,
		       const char **why);

/* What o expects, as in its errors: "a number 1..65535", "yes or no". */
void lu2k_opt_expect(const struct lu2k_opt *o, const void *obj, char *buf, size_t len);

/* obj's value of o as a config file would write it ("" for an unset string). */
void lu2k_opt_show(const struct lu2k_opt *o, const void *obj, char *buf, size_t len);

/* o's default: o->dflt, else shown from defaults (NULL: ""). */
void lu2k_opt_default(const struct lu2k_opt *o, const void *defaults, char *buf, size_t len);

/*
 * --help lines: the entries with a command-line option, as
 * "  -p, --port N               help [default]".
 */
void lu2k_opt_help(FILE *f, const struct lu2k_opt *t, const void *defaults);

/* Key lines for --help: "<indent>key                    help [default]". */
void lu2k_opt_help_keys(FILE *f, const struct lu2k_opt *t, const void *defaults,
			const char *indent);

/* A markdown table "| key | default | meaning |" of the config keys. */
void lu2k_opt_markdown(FILE *f, const struct lu2k_opt *t, const void *defaults);

/*
 * getopt_long's arrays for the entries with command-line options of the
 * tables (NULL-terminated list): an entry's val is its short letter, or 256
 * + its position across the tables. -ENOSPC if lo or so is too small.
 */
struct option;
int lu2k_opt_getopt(const struct lu2k_opt *const *tables, struct option *lo, size_t nlo, char *so,
		    size_t nso);

/* The entry getopt_long returned val for (as numbered by lu2k_opt_getopt), or NULL. */
const struct lu2k_opt *lu2k_opt_by_val(const struct lu2k_opt *const *tables, int val);

#endif
