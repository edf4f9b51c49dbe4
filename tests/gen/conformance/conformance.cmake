# The generated conformance suite, run against the generated DynamoDB implementation on DynamoDB
# Local, for every valid fixture (label "gen"). Included at the end of tests/gen/CMakeLists.txt;
# uses its GEN_DIR, GEN_FIXTURES, gen_valid, gen_test, gen_cli and DDB_TEST_ENV.
#
#   gen.conf.<app>.<Entity>.<case>  one case of the suite (run_conformance CASE); the entries are
#                                   read from the built program (--list) when CTest runs
#   gen.conf.<app>.all              every case, twice, with two run ids on the same tables
#   gen.conf.<app>.gaps             fails naming each access pattern the suite does not exercise
#   gen.cli.conformance_usage_<app> generate refuses a usage file with errors (see below)
#
# Usage data: <app>'s file in the shared fixtures, unless conformance/usage/<app>/ holds a
# corrected copy. The shared ecommerce file gives shipping_address as a string where the model
# says object; usage validation reports that as an error and `ddbkit generate` writes nothing,
# which is what we want (a value that contradicts the model is a bug in the data, and quietly
# dropping it would test less than the file claims). So the suite uses the corrected copy, and
# gen.cli.conformance_usage_<app> checks that the shared file is still refused with a message
# that names the field.
if(NOT TARGET ddbkit_cli OR NOT TARGET ddb_test_support)
    return()
endif()

set(conf_src ${GEN_DIR}/conformance)
set(conf_bin ${CMAKE_CURRENT_BINARY_DIR}/conformance)
file(MAKE_DIRECTORY ${conf_bin})

# The shared valid fixtures, and the generator's own models (gen-models/, no usage data: every
# value is made up from the field types), which cover field types and key shapes the fixtures
# do not.
file(GLOB conf_gen_models CONFIGURE_DEPENDS "${GEN_DIR}/gen-models/*.json")
set(conf_valgrind_models patterns store router kinds tracker)

# True in ${out} when a model has a multi-attribute GSI key (an array of attributes), which
# DynamoDB Local 1.25.1 cannot create: such a model's suite is compiled (gen.generate.<m>.compile)
# but cannot run here. docs/model-file.md says so.
function(conf_multi_attribute_keys model out)
    set(${out} FALSE PARENT_SCOPE)
    file(READ ${model} text)
    string(JSON n_tables ERROR_VARIABLE e LENGTH "${text}" tables)
    if(e OR n_tables EQUAL 0)
        return()
    endif()
    math(EXPR last "${n_tables} - 1")
    foreach(t RANGE ${last})
        string(JSON n_gsi ERROR_VARIABLE e LENGTH "${text}" tables ${t} gsi_list)
        if(e OR n_gsi EQUAL 0)
            continue()
        endif()
        math(EXPR last_gsi "${n_gsi} - 1")
        foreach(g RANGE ${last_gsi})
            foreach(key partition_key sort_key)
                string(JSON type ERROR_VARIABLE e TYPE "${text}" tables ${t} gsi_list ${g} ${key})
                if(NOT e AND type STREQUAL "ARRAY")
                    set(${out} TRUE PARENT_SCOPE)
                    return()
                endif()
            endforeach()
        endforeach()
    endforeach()
endfunction()
foreach(model ${gen_valid} ${conf_gen_models})
    get_filename_component(dir ${model} DIRECTORY)
    get_filename_component(app ${dir} NAME)
    get_filename_component(stem ${model} NAME_WE)
    if(app STREQUAL "gen-models")
        set(app ${stem})
    endif()
    conf_multi_attribute_keys(${model} multi)
    if(multi)
        continue()
    endif()
    # the namespace: x-ddbkit.namespace, or the file name without "_schema"
    file(READ ${model} model_text)
    string(JSON ns ERROR_VARIABLE no_ns GET "${model_text}" x-ddbkit namespace)
    if(no_ns)
        string(REGEX REPLACE "_schema$" "" ns ${stem})
    endif()
    string(TOUPPER ${ns} ns_upper)
    set(out ${conf_bin}/${app})

    file(GLOB usage CONFIGURE_DEPENDS "${conf_src}/usage/${app}/*.json")
    file(GLOB shared_usage CONFIGURE_DEPENDS "${GEN_FIXTURES}/usage/${app}/*.json")
    if(usage AND shared_usage)
        list(GET shared_usage 0 shared_usage)
        gen_cli_err(conformance_usage_${app} 1 "^$" "error: usage:.*: field '[a-z_]+' has type"
                    generate ${model} -o ${conf_bin} --usage-data ${shared_usage})
    elseif(NOT usage)
        set(usage ${shared_usage})
    endif()
    set(usage_args)
    if(usage)
        list(GET usage 0 usage)
        set(usage_args --usage-data ${usage})
    endif()

    add_custom_command(OUTPUT ${out}/${ns}.h ${out}/${ns}.c ${out}/${ns}_conformance.h
                              ${out}/${ns}_conformance.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
                       COMMAND ddbkit_cli generate --quiet ${model} -o ${out} ${usage_args}
                       DEPENDS ddbkit_cli ${model} ${usage}
                       COMMENT "ddbkit generate ${app} (conformance suite)")
    set(exe gen_conf_${app})
    add_executable(${exe} ${conf_src}/run_conformance.c ${out}/${ns}.c
                          ${out}/${ns}_conformance.c)
    # the generated code must build with the strictest flags; the suite most of all
    set_source_files_properties(${out}/${ns}_conformance.c PROPERTIES
                                COMPILE_OPTIONS "-std=c11;-pedantic;-Werror")
    target_include_directories(${exe} PRIVATE ${out} ${GEN_DIR}/..)
    target_compile_definitions(${exe} PRIVATE GEN_HEADER="${ns}.h"
                               GEN_CONFORMANCE_HEADER="${ns}_conformance.h" GEN_NS=${ns}
                               GEN_NS_UPPER=${ns_upper})
    target_link_libraries(${exe} PRIVATE ddb_test_support ddb_build_flags)

    gen_test(gen.conf.${app}.all COMMAND ${exe} --all)
    set_tests_properties(gen.conf.${app}.all PROPERTIES FIXTURES_REQUIRED dynamodb_local
                         TIMEOUT 600)
    gen_test(gen.conf.${app}.gaps COMMAND ${exe} --gaps)
    # Under valgrind: the shared fixtures and the gen-models of conf_valgrind_models, which
    # between them hold every shape of generated code; the other runnable models repeat those
    # shapes with other names, and valgrind would add half a minute each to check-valgrind.
    if(DDB_VALGRIND AND (NOT model IN_LIST conf_gen_models OR app IN_LIST conf_valgrind_models))
        add_test(NAME valgrind.gen.conf.${app}.all
                 COMMAND valgrind --quiet --error-exitcode=99 --leak-check=full
                         --errors-for-leak-kinds=definite,indirect
                         --show-leak-kinds=definite,indirect $<TARGET_FILE:${exe}> --all)
        set_tests_properties(valgrind.gen.conf.${app}.all PROPERTIES LABELS valgrind TIMEOUT 900
                             FIXTURES_REQUIRED dynamodb_local ENVIRONMENT "${DDB_TEST_ENV}")
    endif()

    # One CTest entry per case. The cases are known once the program is built: a post-build step
    # writes them as add_test() lines, which CTest reads through TEST_INCLUDE_FILES. Before the
    # build there is one entry that fails (the program is missing), never a silent skip.
    set(cases_file ${conf_bin}/${app}_cases.cmake)
    set(include_file ${conf_bin}/${app}_include.cmake)
    add_custom_command(TARGET ${exe} POST_BUILD
                       COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> -DOUT=${cases_file}
                               -DPREFIX=gen.conf.${app} -P ${conf_src}/list_cases.cmake
                       COMMENT "listing the conformance cases of ${app}")
    file(GENERATE OUTPUT ${include_file} CONTENT
"set(gen_conf_env \"${DDB_TEST_ENV}\")
if(EXISTS \"${cases_file}\")
    include(\"${cases_file}\")
else()
    add_test(gen.conf.${app}.not_built \"$<TARGET_FILE:${exe}>\" --list)
    set_tests_properties(gen.conf.${app}.not_built PROPERTIES LABELS gen)
endif()
")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endforeach()

# The suite fails broken implementations, naming the case, the pattern and what differed:
#   gen.conf.catches.<case>   test_conformance_catches.c over the gaming_leaderboard and
#                             food_delivery fixtures, gen-models/kinds.json (every field kind)
#                             and gen-models/patterns.json (every operation and parameter meaning)
if(TARGET gen_conf_gaming_leaderboard AND TARGET gen_conf_food_delivery_app AND
   TARGET gen_conf_kinds AND TARGET gen_conf_patterns)
    set(out ${conf_bin}/gaming_leaderboard)
    set(fd ${conf_bin}/food_delivery_app)
    set(kinds ${conf_bin}/kinds)
    set(pat ${conf_bin}/patterns)
    add_executable(gen_conf_catches ${conf_src}/test_conformance_catches.c
                                    ${out}/gaming_leaderboard.c
                                    ${out}/gaming_leaderboard_conformance.c
                                    ${fd}/food_delivery.c ${fd}/food_delivery_conformance.c
                                    ${kinds}/kinds.c ${kinds}/kinds_conformance.c
                                    ${pat}/pat.c ${pat}/pat_conformance.c)
    add_dependencies(gen_conf_catches gen_conf_gaming_leaderboard gen_conf_food_delivery_app
                     gen_conf_kinds gen_conf_patterns)
    target_include_directories(gen_conf_catches PRIVATE ${out} ${fd} ${kinds} ${pat}
                                                        ${GEN_DIR}/..)
    target_link_libraries(gen_conf_catches PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${conf_src}/test_conformance_catches.c lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 ${conf_src}/test_conformance_catches.c)
    foreach(line ${lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.conf.catches.${case} COMMAND gen_conf_catches ${case})
        set_tests_properties(gen.conf.catches.${case} PROPERTIES
                             FIXTURES_REQUIRED dynamodb_local TIMEOUT 300)
    endforeach()
endif()
