/* procedure_data.c — the shipped catalog, data/procedures-commune.csv, linked into the program as bytes.
 *
 * The file is included by the assembler (.incbin, path relative to the repository root where make runs), so the
 * demo and `motcua procedure import` need no data directory at run time. procedure_data_csv_end points at the
 * NUL that follows the bytes. The Makefile makes this object depend on the CSV. */
#include "domain/procedure.h"

__asm__(".section .rodata\n"
        ".global procedure_data_csv\n"
        ".hidden procedure_data_csv\n"
        ".type procedure_data_csv, @object\n"
        "procedure_data_csv:\n"
        ".incbin \"data/procedures-commune.csv\"\n"
        ".global procedure_data_csv_end\n"
        ".hidden procedure_data_csv_end\n"
        "procedure_data_csv_end:\n"
        ".byte 0\n"
        ".previous\n");
