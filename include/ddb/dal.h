/*
 * ddb/dal.h - the umbrella header of libddbkit-dal: what generated data-access code links against
 * (entity descriptors and item conversion, ID strategies, access-pattern helpers, the migration
 * router). It includes the client, ddb/ddb.h.
 *
 * Thread safety: as ddb/ddb.h; a router is shared between threads (see ddb/dal/router.h).
 */
#ifndef DDB_DAL_H
#define DDB_DAL_H

#include "ddb/ddb.h"

#include "ddb/dal/entity.h"
#include "ddb/dal/entity_patterns.h"
#include "ddb/dal/route.h"
#include "ddb/dal/router.h"

#endif
