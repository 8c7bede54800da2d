/*
 * yaml-floor: the least any YAML tool must spend on a directory of manifests.
 *
 * Walks DIR recursively (hidden entries skipped, like `divergence check`), and for every
 * .yaml / .yml file pulls libyaml parser events until the end of the stream, then drops them:
 * no tree, no tag resolution, no matching, no report. Single-threaded.
 *
 * Used by Scripts/bench as the parse-only floor that `divergence check` is compared against.
 * Build: cc -O2 -o yaml-floor Scripts/yaml-floor.c -lyaml      (Debian: libyaml-dev)
 * Usage: yaml-floor DIR   -> prints "files F documents D events E errors X" on stdout.
 */
#define _GNU_SOURCE  /* nftw with FTW_ACTIONRETVAL, to skip hidden directories */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

static long files, documents, events, errors;

static int has_suffix(const char *path, const char *suffix) {
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}

static void parse_file(const char *path) {
    FILE *input = fopen(path, "rb");
    if (!input) {
        errors++;
        return;
    }
    yaml_parser_t parser;
    yaml_event_t event;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, input);
    for (;;) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "%s:%zu: %s\n", path, parser.problem_mark.line + 1,
                    parser.problem ? parser.problem : "parse error");
            errors++;
            break;
        }
        yaml_event_type_t type = event.type;
        yaml_event_delete(&event);
        events++;
        if (type == YAML_DOCUMENT_START_EVENT) documents++;
        if (type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&parser);
    fclose(input);
    files++;
}

static int visit(const char *path, const struct stat *info, int type, struct FTW *walk) {
    (void)info;
    const char *name = path + walk->base;
    if (walk->level > 0 && name[0] == '.') {
        return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;  /* hidden entry */
    }
    if (type == FTW_F && (has_suffix(name, ".yaml") || has_suffix(name, ".yml"))) {
        parse_file(path);
    }
    return FTW_CONTINUE;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    if (nftw(argv[1], visit, 64, FTW_PHYS | FTW_ACTIONRETVAL) != 0) {
        perror(argv[1]);
        return 2;
    }
    printf("files %ld documents %ld events %ld errors %ld\n", files, documents, events, errors);
    return errors ? 1 : 0;
}
