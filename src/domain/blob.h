/* blob.h — content-addressed storage of uploaded bytes: DIR/sha256/ab/cd/<64 hex digits>.
 *
 * A blob is named by the SHA-256 of its bytes, so the same content uploaded twice is stored once and a stored
 * file never changes. Bytes arrive through a writer: they are hashed and appended to a temporary file in DIR/tmp
 * as they come (never held whole in memory); blob_commit() fsyncs the file, rename()s it into place (atomic: a
 * reader sees the whole blob or none) and fsyncs the directory, so a committed blob survives a power cut.
 * A crash before the rename leaves only a temporary file, which blob_sweep_tmp() removes later. Several processes
 * may share one DIR (a hub on one PostgreSQL): writers never touch each other's temporary files and the rename of
 * equal content onto an existing blob is harmless. The metadata (which blob is which paper) is in the database,
 * not here. */
#ifndef MOTCUA_BLOB_H
#define MOTCUA_BLOB_H
#include <stddef.h>

#include "core/sha256.h"

typedef struct blob_store blob_store_t;
typedef struct blob_writer blob_writer_t;

/* Open (creating DIR, DIR/tmp and DIR/sha256 when missing) the store at dir: 0, -ENOMEM, or the errno of mkdir. */
int  blob_store_open(blob_store_t **out, const char *dir);
void blob_store_close(blob_store_t *bs);
const char *blob_store_dir(const blob_store_t *bs);

/* The default directory for a database: "<file>.blobs" next to a SQLite file, "var/blobs" for PostgreSQL. */
int blob_default_dir(const char *db_url, char *out, size_t cap);

/* The media type the first bytes announce: "application/pdf" (%PDF-), "image/jpeg" (FF D8 FF) or "image/png"
 * (89 50 4E 47 0D 0A 1A 0A); NULL for anything else (or too few bytes). */
const char *blob_sniff(const unsigned char *head, size_t n);
/* 1 when media_type is one of the three accepted types. */
int blob_type_accepted(const char *media_type);

/* Start a blob: a fresh temporary file in DIR/tmp. 0 or a negative errno. */
int  blob_begin(blob_store_t *bs, blob_writer_t **out);
/* Append bytes (hashed and written as they come): 0, or a negative errno (disk full: -ENOSPC). */
int  blob_write(blob_writer_t *w, const void *p, size_t n);
size_t blob_written(const blob_writer_t *w);
/* The first bytes written (up to 8), for blob_sniff(). */
const unsigned char *blob_head(const blob_writer_t *w, size_t *n);
/* Make the blob durable and visible: fsync, rename to its address (or drop the copy when that content is stored
 * already), fsync the directory. Fills hex with the SHA-256 and frees w in every case. 0 or a negative errno. */
int  blob_commit(blob_writer_t *w, char hex[SHA256_HEX_LEN + 1]);
/* Drop an unfinished blob: its temporary file is removed. w may be NULL. */
void blob_abort(blob_writer_t *w);

/* The path of the blob with this SHA-256 (hex, lowercase): 0, -EINVAL (not 64 hex digits), -ENAMETOOLONG. */
int blob_path(const blob_store_t *bs, const char *hex, char *out, size_t cap);
/* Open a stored blob for reading: fd and size. 0, -EINVAL, -ENOENT (not stored) or another negative errno. */
int blob_open_read(const blob_store_t *bs, const char *hex, int *fd, long long *size);
/* Remove temporary files older than max_age_s (left by a crash or a killed upload). Returns how many were
 * removed, or a negative errno. Give an age above the longest upload (the body deadline): files of uploads in
 * progress in another process sharing DIR are then never touched. */
int blob_sweep_tmp(blob_store_t *bs, long long max_age_s);
#endif
