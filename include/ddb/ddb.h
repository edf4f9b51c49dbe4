/*
 * ddb/ddb.h - the umbrella header of libddbkit, a DynamoDB client runtime for C.
 *
 * It declares the client: core (errors, values), wire (the client handle, credentials) and api
 * (operations, expressions, limits, batches, transactions, pagination, tables). The data-access
 * layer that generated code links against (libddbkit-dal) has its own umbrella, ddb/dal.h, and the
 * conformance harness (libddbkit-testkit) is ddb/testkit/conformance.h.
 *
 * Thread safety: see each module's header; in short, a ddb_client is shared freely between
 * threads, and values, inputs and outputs belong to one thread at a time.
 */
#ifndef DDB_DDB_H
#define DDB_DDB_H

#define DDB_VERSION_MAJOR 0
#define DDB_VERSION_MINOR 1
#define DDB_VERSION_PATCH 0

#include "ddb/core/error.h"
#include "ddb/core/value.h"

#include "ddb/wire/client.h"
#include "ddb/wire/credentials.h"
#include "ddb/wire/ops.h"

#include "ddb/api/api.h"
#include "ddb/api/batch.h"
#include "ddb/api/cursor.h"
#include "ddb/api/expr.h"
#include "ddb/api/limits.h"
#include "ddb/api/paginate.h"
#include "ddb/api/parallel.h"
#include "ddb/api/request.h"
#include "ddb/api/table.h"
#include "ddb/api/txn.h"

#endif
