/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()), table-driven. */
#ifndef TRACEREPLAY_CRC32_H
#define TRACEREPLAY_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_ieee(const unsigned char *data, size_t len);

#endif
