# Generates the shop's data access layer from the model (run by the build, see CMakeLists.txt):
#   cmake -DDDBKIT=<ddbkit> -DMODEL=<schema.json> -DUSAGE=<usage.json> -DOUT=<dir> -P generate.cmake
#
# Besides shop.h/shop.c it writes shop_features.h, which tells the hand-written code which parts
# of the repository contract this generator already emits (the storage members and the router
# are being added to the generator in parallel). Once every generator emits them, the
# SHOP_HAVE_* switches and the placeholder below can go.
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${DDBKIT} generate ${MODEL} --usage-data ${USAGE} -o ${OUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit generate ${MODEL} failed (exit ${rc})")
endif()
file(READ ${OUT}/shop.h header)
set(have_store 0)
if(header MATCHES "\\(\\*transact\\)")
    set(have_store 1)
endif()
set(have_router 0)
if(EXISTS ${OUT}/shop_router.h AND EXISTS ${OUT}/shop_router.c)
    set(have_router 1)
else()
    # The build lists shop_router.c as a source; an older generator does not write it.
    file(WRITE ${OUT}/shop_router.c
         "/* This generator emits no router yet (see shop_features.h). */\ntypedef int shop_router_absent;\n")
endif()
set(features "/* Written by examples/shop/cmake/generate.cmake: what the generated layer provides. */
#ifndef SHOP_FEATURES_H
#define SHOP_FEATURES_H
#define SHOP_HAVE_STORE_MEMBERS ${have_store} /* list, mirror, transact, max_id, seed_id */
#define SHOP_HAVE_ROUTER ${have_router}       /* shop_router.h */
#endif
")
set(old "")
if(EXISTS ${OUT}/shop_features.h)
    file(READ ${OUT}/shop_features.h old)
endif()
if(NOT old STREQUAL features)
    file(WRITE ${OUT}/shop_features.h "${features}")
endif()
