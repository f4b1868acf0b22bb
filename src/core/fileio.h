/* fileio.h — whole small files: read one into a buffer, write one so that a crash leaves the old or the new file.
 *
 * For the files the command line and the key store handle whole (certificates, PKCS#12 bundles, CRLs, a PDF to
 * sign): never for uploads, which stream through domain/blob.h. */
#ifndef MOTCUA_FILEIO_H
#define MOTCUA_FILEIO_H
#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

/* Append the bytes of path to out (at most max bytes in all: -EFBIG beyond). 0 or a negative errno. */
int file_read_all(const char *path, size_t max, buf_t *out);

/* Write n bytes to path through a temporary file in the same directory: written, fsync'd, given mode, renamed
 * over path, and the directory fsync'd. With excl, an existing path is left alone and -EEXIST returned. 0 or a
 * negative errno; on failure path is unchanged and no temporary file is left. */
int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode, int excl);
#endif
