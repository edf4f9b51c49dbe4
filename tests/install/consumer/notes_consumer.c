/*
 * An out-of-tree program whose data access layer ddbkit_generate() made from notes.json at build
 * time. It needs no server: it prints the CreateTable request of the model's table and a Note's
 * item as the generated conversions write it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "notes.h"

int main(void)
{
    ddb_error err = DDB_ERROR_INIT;
    char *json = NULL;
    notes__note note = NOTES__NOTE__INIT;
    ddb_value *item = NULL;
    int rc;

    printf("%s\n", notes__create_table_jsons[0]);
    note.note_id = "n1";
    note.text = "hello";
    rc = notes__note__to_item(&item, &note, &err);
    if (rc == 0)
        rc = ddb_value_to_json(&json, item, &err);
    if (rc == 0)
        printf("%s\n", json);
    else
        fprintf(stderr, "notes_consumer: %s (%s)\n", err.message, ddb_error_code_name(rc));
    free(json);
    ddb_value_free(item);
    ddb_error_clear(&err);
    return rc == 0 ? 0 : 1;
}
