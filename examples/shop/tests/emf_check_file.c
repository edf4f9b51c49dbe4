/*
 * app.shop.dynamodb.emf: every line of the EMF file the shop wrote (SHOP_EMF_PATH) satisfies the
 * Embedded Metric Format's rules (tests/support/emf_check.h), and the calls the shop made to its
 * table are there.
 *
 *   emf_check_file FILE TABLE_SUFFIX
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "support/emf_check.h"

int main(int argc, char **argv)
{
    char line[1 << 16], why[512];
    int lines = 0, bad = 0, table_calls = 0;
    FILE *f;
    if (argc != 3) {
        fprintf(stderr, "usage: emf_check_file FILE TABLE_SUFFIX\n");
        return 2;
    }
    if (!(f = fopen(argv[1], "r"))) {
        perror(argv[1]);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        json_t *root = emf_check_line(line, why, sizeof why);
        const char *table;
        size_t n, suffix = strlen(argv[2]);
        lines++;
        if (!root) {
            fprintf(stderr, "%s:%d: %s\n", argv[1], lines, why);
            bad++;
            continue;
        }
        table = json_string_value(json_object_get(root, "TableName"));
        n = table ? strlen(table) : 0;
        if (n >= suffix && strcmp(table + n - suffix, argv[2]) == 0 &&
            json_number_value(json_object_get(root, "Calls")) >= 1)
            table_calls++;
        json_decref(root);
    }
    fclose(f);
    if (!lines || !table_calls)
        fprintf(stderr, "%s: %d lines, %d with calls to a table named *%s\n", argv[1], lines,
                table_calls, argv[2]);
    printf("%s: %d EMF lines, %d of table *%s\n", argv[1], lines, table_calls, argv[2]);
    return bad || !lines || !table_calls ? 1 : 0;
}
