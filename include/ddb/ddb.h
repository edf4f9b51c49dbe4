/*
 * ddb/ddb.h - the umbrella header of libddbkit, a DynamoDB client runtime for C.
 *
 * Thread safety: see each module's header; in short, a ddb_client is shared freely between
 * threads, and values, inputs and outputs belong to one thread at a time.
 */
#ifndef DDB_DDB_H
#define DDB_DDB_H

#define DDB_VERSION_MAJOR 0
#define DDB_VERSION_MINOR 1
#define DDB_VERSION_PATCH 0

#include "ddb/api.h"
#include "ddb/batch.h"
#include "ddb/client.h"
#include "ddb/conformance.h"
#include "ddb/credentials.h"
#include "ddb/cursor.h"
#include "ddb/entity.h"
#include "ddb/entity_patterns.h"
#include "ddb/error.h"
#include "ddb/expr.h"
#include "ddb/limits.h"
#include "ddb/paginate.h"
#include "ddb/parallel.h"
#include "ddb/router.h"
#include "ddb/table.h"
#include "ddb/txn.h"
#include "ddb/value.h"

#endif
