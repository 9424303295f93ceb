// SPDX-License-Identifier: MIT
// Test helpers for the DTB reader: load the checked-in blobs (made by dtc
// from tests/data/dtb/*.dts, see tests/data/dtb/README.md) and build small
// blobs token by token, including ones dtc would refuse to write.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fdt_test {

inline std::vector<uint8_t> load(const std::string& name) {
    std::ifstream in(std::string(SMPBOOT_TEST_DATA_DIR) + "/dtb/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void put32(std::vector<uint8_t>& v, size_t off, uint32_t x) {
    if (v.size() < off + 4) v.resize(off + 4);
    v[off] = uint8_t(x >> 24);
    v[off + 1] = uint8_t(x >> 16);
    v[off + 2] = uint8_t(x >> 8);
    v[off + 3] = uint8_t(x);
}

inline uint32_t get32(const std::vector<uint8_t>& v, size_t off) {
    return uint32_t(v[off]) << 24 | uint32_t(v[off + 1]) << 16 | uint32_t(v[off + 2]) << 8 | v[off + 3];
}

/// Builds a version-17 blob. Nothing is checked: that is the point.
class builder {
public:
    builder& begin(const std::string& name) {
        word(0x1);
        for (char c : name) s_.push_back(uint8_t(c));
        s_.push_back(0);
        pad();
        return *this;
    }
    builder& end() { return word(0x2); }
    builder& nop() { return word(0x4); }
    builder& finish() { return word(0x9); }
    builder& word(uint32_t w) {
        put32(s_, s_.size(), w);
        return *this;
    }
    builder& raw(const std::vector<uint8_t>& bytes) {
        s_.insert(s_.end(), bytes.begin(), bytes.end());
        return *this;
    }
    builder& prop(const std::string& name, const std::vector<uint8_t>& value) {
        word(0x3).word(uint32_t(value.size())).word(name_offset(name));
        raw(value);
        pad();
        return *this;
    }
    builder& prop_u32(const std::string& name, std::initializer_list<uint32_t> cells) {
        std::vector<uint8_t> v;
        for (uint32_t c : cells) put32(v, v.size(), c);
        return prop(name, v);
    }
    builder& prop_str(const std::string& name, const std::string& value) {
        std::vector<uint8_t> v(value.begin(), value.end());
        v.push_back(0);
        return prop(name, v);
    }
    /// A property token with any length and name offset.
    builder& prop_raw(uint32_t len, uint32_t nameoff) { return word(0x3).word(len).word(nameoff); }
    uint32_t name_offset(const std::string& name) {
        auto it = names_.find(name + '\0');
        if (it != std::string::npos) return uint32_t(it);
        names_ += name + '\0';
        return uint32_t(names_.size() - name.size() - 1);
    }
    builder& strings(const std::string& raw) {
        names_ = raw;
        return *this;
    }

    std::vector<uint8_t> blob() const {
        const uint32_t hdr = 40, rsv = 16;
        std::vector<uint8_t> b(hdr + rsv, 0);
        const uint32_t off_struct = hdr + rsv;
        b.insert(b.end(), s_.begin(), s_.end());
        const uint32_t off_strings = uint32_t(b.size());
        b.insert(b.end(), names_.begin(), names_.end());
        put32(b, 0, 0xd00dfeed);
        put32(b, 4, uint32_t(b.size()));
        put32(b, 8, off_struct);
        put32(b, 12, off_strings);
        put32(b, 16, hdr);
        put32(b, 20, 17);
        put32(b, 24, 16);
        put32(b, 28, 0);
        put32(b, 32, uint32_t(names_.size()));
        put32(b, 36, uint32_t(s_.size()));
        return b;
    }

private:
    void pad() {
        while (s_.size() % 4) s_.push_back(0);
    }
    std::vector<uint8_t> s_;
    std::string names_;
};

}  // namespace fdt_test
