# The test corpora from outside the project: the official AWS SigV4 test suite, the DynamoDB MCP
# server's model fixtures and the DynamoDB API model. They live in a "shared" folder beside the
# clone in the workspace that has them; a user's clone has none of them.
#
#   DDB_SHARED_DIR   the shared root (cache variable). Default: $ENV{DDBKIT_TESTDATA} if set, else
#                    ../shared beside the source tree when it exists.
#
# Sets DDB_HAVE_SIGV4_SUITE, DDB_HAVE_MCP_FIXTURES and DDB_HAVE_API_MODEL. The tests that need a
# corpus are registered only when it is there. Under CI=true every corpus is required (nothing is
# skipped in CI); elsewhere configure prints one line naming what was not found. A bare clone
# proves the same things through independent oracles from Debian (botocore's signer and API
# model) and the project's own models; see docs/testing.md.

if(NOT DDB_SHARED_DIR)
    if(DEFINED ENV{DDBKIT_TESTDATA} AND NOT "$ENV{DDBKIT_TESTDATA}" STREQUAL "")
        set(ddb_shared_default "$ENV{DDBKIT_TESTDATA}")
    else()
        get_filename_component(ddb_shared_default "${CMAKE_SOURCE_DIR}/../shared" ABSOLUTE)
    endif()
    set(DDB_SHARED_DIR "${ddb_shared_default}" CACHE PATH
        "The shared test corpora (SigV4 suite, MCP model fixtures, API model); see cmake/TestCorpora.cmake")
endif()

set(DDB_SIGV4_SUITE "${DDB_SHARED_DIR}/testdata/sigv4")
set(DDB_MCP_FIXTURES "${DDB_SHARED_DIR}/testdata/mcp-schemas")
set(DDB_API_MODEL "${DDB_SHARED_DIR}/api/dynamodb-2012-08-10.service-2.json")

file(GLOB ddb_sigv4_dirs LIST_DIRECTORIES true "${DDB_SIGV4_SUITE}/*")
file(GLOB ddb_mcp_valid "${DDB_MCP_FIXTURES}/valid/*/*.json")
set(DDB_HAVE_SIGV4_SUITE OFF)
set(DDB_HAVE_MCP_FIXTURES OFF)
set(DDB_HAVE_API_MODEL OFF)
if(ddb_sigv4_dirs)
    set(DDB_HAVE_SIGV4_SUITE ON)
endif()
if(ddb_mcp_valid)
    set(DDB_HAVE_MCP_FIXTURES ON)
endif()
if(EXISTS "${DDB_API_MODEL}")
    set(DDB_HAVE_API_MODEL ON)
endif()

set(ddb_missing)
if(NOT DDB_HAVE_SIGV4_SUITE)
    list(APPEND ddb_missing "the AWS SigV4 test suite (testdata/sigv4, from AWS's aws-sig-v4-test-suite)")
endif()
if(NOT DDB_HAVE_MCP_FIXTURES)
    list(APPEND ddb_missing "the MCP model fixtures (testdata/mcp-schemas, from the tests of awslabs/mcp's DynamoDB MCP server)")
endif()
if(NOT DDB_HAVE_API_MODEL)
    list(APPEND ddb_missing "the DynamoDB API model (api/, as botocore's data/dynamodb ships it)")
endif()
if(ddb_missing)
    string(REPLACE ";" ", " ddb_missing_text "${ddb_missing}")
    if("$ENV{CI}" STREQUAL "true")
        message(FATAL_ERROR "CI=true needs every test corpus; not found in ${DDB_SHARED_DIR}: "
                            "${ddb_missing_text}. Set DDB_SHARED_DIR or DDBKIT_TESTDATA.")
    endif()
    message(NOTICE "ddbkit: not in ${DDB_SHARED_DIR}: ${ddb_missing_text}; their tests are not "
                   "registered (set DDB_SHARED_DIR or DDBKIT_TESTDATA)")
endif()
