#include <limits.h>
#include <zlib.h>

#include "core/checksum.h"

uint32_t ddb_checksum__crc32(const void *data, size_t len)
{
    const Bytef *p = data;
    uLong crc = crc32(0L, Z_NULL, 0);
    /* zlib takes uInt lengths; feed larger bodies in pieces. */
    while (len > 0) {
        uInt chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;
        crc = crc32(crc, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}
