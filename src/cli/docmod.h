/* docmod.h — the documents module (motcua-docs.so): PDF forms, spreadsheets, edXML and XML signatures, loaded on
 * first use (cli/docmod.c). Their functions are declared in their own headers. */
#ifndef MOTCUA_CLI_DOCMOD_H
#define MOTCUA_CLI_DOCMOD_H

#include <stddef.h>

#define DOCMOD_FILE "motcua-docs.so"

/* 0 when the module's file is found and is an ELF object (its path in path), else -1: `serve` refuses to start. */
int docmod_check(char *path, size_t cap);
/* 1 once a function of the module has been called (the module is mapped), else 0. */
int docmod_loaded(void);

#endif
