/* Internal: the CRC32 that DynamoDB sends in X-Amz-Crc32 (IEEE 802.3, as zlib computes it). */
#ifndef DDB_CHECKSUM_H
#define DDB_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t ddb_checksum__crc32(const void *data, size_t len);

#endif
