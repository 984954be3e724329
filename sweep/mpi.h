/* mpi — the ranks of a sweep started by mpirun: rank 0 checks the sweep, makes the traces and
 * owns the results file; every rank runs a disjoint share of the points (job k goes to rank
 * k mod size) and tells rank 0 how each ended; rank 0 writes the rows.
 * Models: nothing. Two implementations behind this one header, chosen by CMake: mpi.c over
 * MPI (OpenMPI) when NMSIM_MPI is on, mpi_single.c (always one rank) when it is off. Without
 * mpirun (none of OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE set) MPI is not started at all.
 * Not: sharing files: ranks read the traces and write the reports on a shared folder.
 */
#ifndef NMSIM_MPI_H
#define NMSIM_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mpi_world {
	int rank, size;
	bool active; /* MPI was started (mpi_stop must finalise it) */
};

/* Joins the MPI job when started by mpirun; else rank 0 of 1. 0 / -1 (reported). */
int mpi_start(struct mpi_world *w, int *argc, char ***argv);
/* Leaves the MPI job (collective: every rank calls it). */
void mpi_stop(struct mpi_world *w);
/* Ends every rank at once with CODE (a rank that cannot go on). */
_Noreturn void mpi_abort(struct mpi_world *w, int code);
/* Rank 0's LEN bytes at BUF, on every rank. 0 / -1. */
int mpi_broadcast(struct mpi_world *w, void *buf, size_t len);
/* To rank 0: job JOB ended with wait status STATUS; JOB -1: this rank has no job left. */
int mpi_send(struct mpi_world *w, int32_t job, int32_t status);
/* On rank 0, without blocking: 1 with what a rank sent, 0 if nothing came. */
int mpi_poll(struct mpi_world *w, int32_t *job, int32_t *status);
/* The MPI library ("Open MPI v4.1.4") or "not built with MPI", into BUF; returns BUF. */
const char *mpi_describe(char *buf, size_t len);

#endif
