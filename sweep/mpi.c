/* mpi — the ranks of a sweep over MPI (mpi.h). */
#include "sweep/mpi.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/log.h"

/* The one message tag: a job's end (or a rank's) for rank 0. */
#define MPI_TAG_DONE 17

int mpi_start(struct mpi_world *w, int *argc, char ***argv)
{
	*w = (struct mpi_world){ 0, 1, false };
	/* Started by mpirun (OpenMPI sets the first; PMIx and PMI launchers the others)? A plain
	 * run does not start MPI: no singleton daemon, nothing to fail. */
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_SIZE"))
		return 0;
	if (MPI_Init(argc, argv) != MPI_SUCCESS) {
		log_error("MPI_Init failed");
		return -1;
	}
	w->active = true;
	MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &w->size);
	return 0;
}

void mpi_stop(struct mpi_world *w)
{
	if (w->active)
		MPI_Finalize();
	w->active = false;
}

_Noreturn void mpi_abort(struct mpi_world *w, int code)
{
	fflush(NULL);
	if (w->active)
		MPI_Abort(MPI_COMM_WORLD, code);
	exit(code);
}

int mpi_broadcast(struct mpi_world *w, void *buf, size_t len)
{
	if (!w->active || w->size == 1)
		return 0;
	for (char *p = buf; len;) {
		int n = len > INT_MAX ? INT_MAX : (int)len;
		if (MPI_Bcast(p, n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mpi_send(struct mpi_world *w, int32_t job, int32_t status)
{
	int32_t msg[2] = { job, status };
	if (!w->active)
		return -1;
	return MPI_Send(msg, 2, MPI_INT32_T, 0, MPI_TAG_DONE, MPI_COMM_WORLD) == MPI_SUCCESS ? 0
	                                                                                     : -1;
}

int mpi_poll(struct mpi_world *w, int32_t *job, int32_t *status)
{
	int flag = 0;
	MPI_Status st;
	if (!w->active || w->size == 1)
		return 0;
	if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_TAG_DONE, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS ||
	    !flag)
		return 0;
	int32_t msg[2];
	if (MPI_Recv(msg, 2, MPI_INT32_T, st.MPI_SOURCE, MPI_TAG_DONE, MPI_COMM_WORLD,
	             MPI_STATUS_IGNORE) != MPI_SUCCESS)
		return 0;
	*job = msg[0];
	*status = msg[1];
	return 1;
}

const char *mpi_describe(char *buf, size_t len)
{
	char text[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;
	if (MPI_Get_library_version(text, &n) != MPI_SUCCESS)
		snprintf(text, sizeof text, "MPI");
	text[strcspn(text, ",\n")] = 0;
	snprintf(buf, len, "%s", text);
	return buf;
}
