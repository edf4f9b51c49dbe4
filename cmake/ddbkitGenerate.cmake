# ddbkit_generate(): generate a model's data access layer at build time (docs/cmake.md).
#
#   ddbkit_generate(<target> MODEL <model.json> [USAGE <usage.json>] [NAMESPACE <ns>]
#                   [OUTPUT_DIR <dir>] [CONFORMANCE <test target>] [SQL])
#
# Runs `ddbkit generate --quiet` when the model, the usage file or ddbkit itself changes, adds the
# generated <ns>.c and <ns>_router.c to <target>, the output folder to its include path (PUBLIC)
# and links it with the data-access layer. CONFORMANCE adds the generated conformance suite
# (<ns>_conformance.c) to a test target and links that with the testkit. SQL also adds the
# generated relational implementation (<ns>_sql.c) and links libddbkit-sqlrepo; the generator then
# runs with --require-sql, so a model it cannot implement in SQL fails the build, naming why.
#
# The namespace names the files, so it must be known when CMake configures: NAMESPACE, else the
# model's "x-ddbkit": {"namespace": ...}. OUTPUT_DIR defaults to
# ${CMAKE_CURRENT_BINARY_DIR}/ddbkit/<ns>.
#
# Installed (find_package(ddbkit)) it runs the installed ddbkit (DDBKIT_EXECUTABLE) and links
# ddbkit::dal and ddbkit::testkit. In ddbkit's own build it runs the ddbkit_cli target and links
# the static runtime the project's programs use.
include_guard(GLOBAL)

function(ddbkit_generate target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "SQL" "MODEL;USAGE;NAMESPACE;OUTPUT_DIR;CONFORMANCE" "")
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "ddbkit_generate(${target}): unknown argument(s) "
                            "'${arg_UNPARSED_ARGUMENTS}'; it takes MODEL, USAGE, NAMESPACE, "
                            "OUTPUT_DIR, CONFORMANCE and SQL")
    endif()
    if(NOT TARGET ${target})
        message(FATAL_ERROR "ddbkit_generate: '${target}' is not a target; create it first "
                            "(add_executable or add_library)")
    endif()
    if(NOT arg_MODEL)
        message(FATAL_ERROR "ddbkit_generate(${target}): MODEL <model.json> is required")
    endif()
    if(arg_CONFORMANCE AND NOT TARGET ${arg_CONFORMANCE})
        message(FATAL_ERROR "ddbkit_generate(${target}): CONFORMANCE '${arg_CONFORMANCE}' is "
                            "not a target")
    endif()
    get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${model}")
        message(FATAL_ERROR "ddbkit_generate(${target}): MODEL '${model}' does not exist")
    endif()

    # The namespace, for the file names: NAMESPACE, else the model's x-ddbkit.namespace.
    set(ns "${arg_NAMESPACE}")
    if(NOT ns)
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${model}")
        file(READ "${model}" text)
        string(JSON ns ERROR_VARIABLE no_ns GET "${text}" x-ddbkit namespace)
        if(no_ns OR NOT ns)
            message(FATAL_ERROR "ddbkit_generate(${target}): ${model} has no "
                                "\"x-ddbkit\": {\"namespace\": ...}; pass NAMESPACE <name>")
        endif()
    endif()
    if(NOT ns MATCHES "^[a-z][a-z0-9_]*$" OR ns MATCHES "__" OR ns MATCHES "_$")
        message(FATAL_ERROR "ddbkit_generate(${target}): namespace '${ns}' is not usable; use "
                            "lower-case letters, digits and single underscores, starting with a "
                            "letter")
    endif()
    set(out "${arg_OUTPUT_DIR}")
    if(NOT out)
        set(out "${CMAKE_CURRENT_BINARY_DIR}/ddbkit/${ns}")
    endif()
    get_filename_component(out "${out}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

    # The generator and the libraries: in-tree targets, or the installed package's.
    if(TARGET ddbkit_cli AND TARGET ddbkit_dal_static)
        set(ddbkit_cmd ddbkit_cli)
        set(ddbkit_dep ddbkit_cli)
        set(dal_lib ddbkit_dal_static)
        set(testkit_lib ddbkit_testkit_static)
        set(sqlrepo_lib ddbkit_sqlrepo_static)
    else()
        if(NOT DDBKIT_EXECUTABLE OR NOT EXISTS "${DDBKIT_EXECUTABLE}")
            message(FATAL_ERROR "ddbkit_generate(${target}): the ddbkit command is not there "
                                "(DDBKIT_EXECUTABLE='${DDBKIT_EXECUTABLE}'); find_package(ddbkit) "
                                "sets it")
        endif()
        set(ddbkit_cmd "${DDBKIT_EXECUTABLE}")
        set(ddbkit_dep "${DDBKIT_EXECUTABLE}")
        set(dal_lib ddbkit::dal)
        set(testkit_lib ddbkit::testkit)
        set(sqlrepo_lib ddbkit::sqlrepo)
    endif()

    set(args generate --quiet "${model}" -o "${out}" --namespace ${ns})
    set(depends "${model}" ${ddbkit_dep})
    if(arg_USAGE)
        get_filename_component(usage "${arg_USAGE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
        list(APPEND args --usage-data "${usage}")
        list(APPEND depends "${usage}")
    endif()
    set(outputs "${out}/${ns}.h" "${out}/${ns}.c" "${out}/${ns}_router.h" "${out}/${ns}_router.c"
                "${out}/${ns}_conformance.h" "${out}/${ns}_conformance.c" "${out}/README.md")
    if(arg_SQL)
        if(NOT TARGET ${sqlrepo_lib})
            message(FATAL_ERROR "ddbkit_generate(${target}): SQL needs libddbkit-sqlrepo, which "
                                "this ddbkit was built without (no SQL driver)")
        endif()
        list(APPEND args --require-sql)
        list(APPEND outputs "${out}/${ns}_sql.h" "${out}/${ns}_sql.c")
    endif()
    file(RELATIVE_PATH shown "${CMAKE_SOURCE_DIR}" "${model}")
    add_custom_command(OUTPUT ${outputs}
                       COMMAND "${CMAKE_COMMAND}" -E make_directory "${out}"
                       COMMAND ${ddbkit_cmd} ${args}
                       DEPENDS ${depends}
                       COMMENT "ddbkit generate ${shown} (namespace ${ns})"
                       VERBATIM)

    target_sources(${target} PRIVATE "${out}/${ns}.c" "${out}/${ns}_router.c")
    target_include_directories(${target} PUBLIC "${out}")
    target_link_libraries(${target} PUBLIC ${dal_lib})
    if(arg_SQL)
        target_sources(${target} PRIVATE "${out}/${ns}_sql.c")
        target_link_libraries(${target} PUBLIC ${sqlrepo_lib})
    endif()
    if(arg_CONFORMANCE)
        target_sources(${arg_CONFORMANCE} PRIVATE "${out}/${ns}_conformance.c")
        target_include_directories(${arg_CONFORMANCE} PRIVATE "${out}")
        target_link_libraries(${arg_CONFORMANCE} PRIVATE ${testkit_lib})
    endif()
endfunction()
