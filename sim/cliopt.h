/* cliopt — the command-line check simrun, tracegen and simsweep share: an option that takes a
 * value may be given once (a second one would leave the first unsaid).
 * Not: options that add up (simrun's --set); the caller leaves them out. */
#ifndef NMSIM_CLIOPT_H
#define NMSIM_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>

/* Option values getopt_long returns are below this (short options, and long ones from 256). */
#define CLIOPT_VALUES 512

/* Counts option c (getopt_long's return; value options only, with optarg set) in given; true
 * after logging "NAME given twice" when it was given before (NAME: "-o", "--arch"). */
bool cliopt_twice(const struct option *opts, int c, const char *optarg,
                  int given[CLIOPT_VALUES]);

#endif
