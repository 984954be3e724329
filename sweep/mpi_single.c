/* mpi_single — the one-rank mpi.h of a build without MPI (NMSIM_MPI off). */
#include "sweep/mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mpi_start(struct mpi_world *w, int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	*w = (struct mpi_world){ 0, 1, false };
	return 0;
}

void mpi_stop(struct mpi_world *w)
{
	(void)w;
}

_Noreturn void mpi_abort(struct mpi_world *w, int code)
{
	(void)w;
	exit(code);
}

int mpi_broadcast(struct mpi_world *w, void *buf, size_t len)
{
	(void)w;
	(void)buf;
	(void)len;
	return 0;
}

int mpi_send(struct mpi_world *w, int32_t job, int32_t status)
{
	(void)w;
	(void)job;
	(void)status;
	return -1; /* one rank sends nothing */
}

int mpi_poll(struct mpi_world *w, int32_t *job, int32_t *status)
{
	(void)w;
	(void)job;
	(void)status;
	return 0;
}

const char *mpi_describe(char *buf, size_t len)
{
	snprintf(buf, len, "not built with MPI");
	return buf;
}
