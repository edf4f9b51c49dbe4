/*
 * An out-of-tree program whose relational implementation ddbkit_generate(... SQL) made from
 * notes.json at build time: it creates the model's table in an in-memory SQLite database,
 * writes a note through the generated repository and reads it back by its access pattern. A
 * table prefix that could end a quoted name is refused.
 */
#include <stdio.h>
#include <string.h>

#include "notes_sql.h"

int main(void)
{
    ddb_error err = DDB_ERROR_INIT;
    ddb_sql *db = NULL;
    notes__repo *repo = NULL;
    notes__note note = NOTES__NOTE__INIT, got = NOTES__NOTE__INIT;
    bool found = false;
    int rc;

    note.note_id = "n1";
    note.text = "hello from SQL";
    rc = ddb_sql_open(&db, "sqlite::memory:", &err);
    /* a table prefix that could end a quoted name is refused, naming the character */
    if (rc == 0 && notes__sql_create_tables(db, "x\";", &err) != DDB_ERR_INVALID_ARG) {
        fprintf(stderr, "notes_sql_consumer: a prefix with a quote was accepted\n");
        rc = 1;
    }
    if (rc == 0 && !strstr(err.message, "table prefix character 2")) {
        fprintf(stderr, "notes_sql_consumer: %s\n", err.message);
        rc = 1;
    }
    if (rc == 0)
        rc = notes__sql_create_tables(db, NULL, &err);
    if (rc == 0)
        rc = notes__sql_repo_new(&repo, db, NULL, &err);
    if (rc == 0)
        rc = repo->note__create(repo, &note, &err);
    if (rc == 0)
        rc = repo->note__get_note(repo, &got, &found, "n1", &err);
    if (rc == 0 && found)
        printf("%s\n", got.text);
    else if (rc != 0)
        fprintf(stderr, "notes_sql_consumer: %s (%s)\n", err.message, ddb_error_code_name(rc));
    notes__note__free(&got);
    notes__repo_free(repo);
    ddb_sql_close(db);
    ddb_error_clear(&err);
    return rc == 0 && found ? 0 : 1;
}
