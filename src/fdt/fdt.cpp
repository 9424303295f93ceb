// SPDX-License-Identifier: MIT
// The DTB reader. Every offset is a uint32_t into the blob and every
// addition is done in 64 bits before it is compared with a bound, so a hostile
// length can neither wrap around nor point outside the blob.
#include <smpboot/fdt.hpp>

namespace smpboot::fdt {

namespace {

// Devicetree spec 5.2: header field offsets.
constexpr uint32_t hdr_magic = 0, hdr_totalsize = 4, hdr_off_struct = 8, hdr_off_strings = 12,
                   hdr_off_rsvmap = 16, hdr_version = 20, hdr_last_comp = 24,
                   hdr_boot_cpuid = 28, hdr_size_strings = 32, hdr_size_struct = 36;
constexpr uint32_t header_size_v16 = 36;   // v16 has no size_dt_struct
constexpr uint32_t header_size_v17 = 40;

uint32_t be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

/// Length of the NUL-terminated string at p, if it ends before `end`.
bool bounded_len(const uint8_t* p, const uint8_t* end, uint32_t& len) {
    for (const uint8_t* q = p; q < end; ++q) {
        if (*q == 0) {
            len = uint32_t(q - p);
            return true;
        }
    }
    return false;
}

status fail(error e, uint64_t off) { return status{e, uint32_t(off > 0xffffffffu ? 0xffffffffu : off)}; }

}  // namespace

const char* to_string(error e) {
    switch (e) {
    case error::ok: return "ok";
    case error::null_blob: return "no blob or shorter than a header";
    case error::bad_magic: return "bad magic";
    case error::bad_version: return "unsupported version";
    case error::bad_totalsize: return "bad totalsize";
    case error::bad_block: return "block outside the blob";
    case error::misaligned: return "misaligned block";
    case error::bad_rsvmap: return "unterminated memory reservation map";
    case error::bad_token: return "unexpected token";
    case error::bad_name: return "unterminated node name";
    case error::bad_property: return "property runs off the structure block";
    case error::bad_string: return "bad property name offset";
    case error::too_deep: return "nodes nested too deep";
    case error::unbalanced: return "unbalanced nodes";
    case error::no_end: return "no FDT_END token";
    }
    return "unknown error";
}

// ---- property ------------------------------------------------------------

bool property::u32(uint32_t index, uint32_t& out) const {
    if (!data_ || uint64_t(index) * 4 + 4 > size_) return false;
    out = be32(data_ + uint64_t(index) * 4);
    return true;
}

bool property::cells(uint32_t first, uint32_t ncells, uint64_t& out) const {
    if (ncells < 1 || ncells > 2) return false;
    uint64_t v = 0;
    for (uint32_t i = 0; i < ncells; ++i) {
        uint32_t c;
        if (!u32(first + i, c)) return false;
        v = v << 32 | c;
    }
    out = v;
    return true;
}

const char* property::str() const {
    if (!data_ || size_ == 0 || data_[size_ - 1] != 0) return nullptr;
    for (uint32_t i = 0; i + 1 < size_; ++i)
        if (data_[i] == 0) return nullptr;
    return reinterpret_cast<const char*>(data_);
}

const char* property::string_at(uint32_t index) const {
    if (!data_) return nullptr;
    uint32_t start = 0;
    for (uint32_t i = 0; i < size_; ++i) {
        if (data_[i] != 0) continue;
        if (index == 0) return reinterpret_cast<const char*>(data_ + start);
        --index;
        start = i + 1;
    }
    return nullptr;   // missing, or the last string is unterminated
}

bool property::has_string(const char* s) const {
    for (uint32_t i = 0;; ++i) {
        const char* v = string_at(i);
        if (!v) return false;
        if (str_eq(v, s)) return true;
    }
}

// ---- tree: low-level reads -------------------------------------------------

bool tree::read_u32(uint32_t off, uint32_t& v) const {
    if (!blob_ || uint64_t(off) + 4 > total_) return false;
    v = be32(blob_ + off);
    return true;
}

bool tree::read_u64(uint32_t off, uint64_t& v) const {
    uint32_t hi, lo;
    if (!read_u32(off, hi) || !read_u32(off + 4, lo)) return false;
    v = uint64_t(hi) << 32 | lo;
    return true;
}

bool tree::token(uint32_t off, uint32_t& tok, uint32_t& at, uint32_t& after) const {
    for (;;) {
        if (off < struct_begin_ || uint64_t(off) + 4 > struct_end_ || (off & 3)) return false;
        tok = be32(blob_ + off);
        at = off;
        uint64_t next = 0;
        switch (tok) {
        case token::nop:
            off += 4;
            continue;
        case token::end_node:
        case token::end:
            next = uint64_t(off) + 4;
            break;
        case token::begin_node: {
            uint32_t len;
            if (!bounded_len(blob_ + off + 4, blob_ + struct_end_, len)) return false;
            next = align4(uint64_t(off) + 4 + len + 1);
            break;
        }
        case token::prop: {
            if (uint64_t(off) + 12 > struct_end_) return false;
            const uint32_t len = be32(blob_ + off + 4);
            next = align4(uint64_t(off) + 12 + len);
            if (uint64_t(off) + 12 + len > struct_end_) return false;
            break;
        }
        default:
            return false;
        }
        if (next > struct_end_) return false;
        after = uint32_t(next);
        return true;
    }
}

bool tree::decode_prop(uint32_t at, property& out) const {
    uint32_t tok, at2, after;
    if (!token(at, tok, at2, after) || tok != token::prop || at2 != at) return false;
    const uint32_t len = be32(blob_ + at + 4);
    const uint32_t nameoff = be32(blob_ + at + 8);
    if (uint64_t(strings_begin_) + nameoff >= strings_end_) return false;
    const uint8_t* name = blob_ + strings_begin_ + nameoff;
    uint32_t nlen;
    if (!bounded_len(name, blob_ + strings_end_, nlen)) return false;
    out = property(reinterpret_cast<const char*>(name), blob_ + at + 12, len, at);
    return true;
}

bool tree::skip_node(uint32_t off, uint32_t& after) const {
    uint32_t depth = 0, tok, at;
    // Each token advances `off` by at least 4, so this ends within the block.
    for (;;) {
        if (!token(off, tok, at, off)) return false;
        if (tok == token::begin_node) {
            if (++depth > max_depth + 1) return false;
        } else if (tok == token::end_node) {
            if (depth == 0) return false;
            if (--depth == 0) {
                after = off;
                return true;
            }
        } else if (tok == token::end) {
            return false;
        }
    }
}

// ---- tree: open -------------------------------------------------------------

uint32_t tree::size_hint(const void* blob) {
    if (!blob) return 0;
    const uint8_t* p = static_cast<const uint8_t*>(blob);
    if (be32(p + hdr_magic) != magic) return 0;
    return be32(p + hdr_totalsize);
}

status tree::open(const void* blob, size_t avail, tree& out) {
    out = tree{};
    const uint8_t* p = static_cast<const uint8_t*>(blob);
    if (!p || avail < header_size_v16) return fail(error::null_blob, 0);
    if (be32(p + hdr_magic) != magic) return fail(error::bad_magic, hdr_magic);
    const uint32_t version = be32(p + hdr_version);
    const uint32_t last_comp = be32(p + hdr_last_comp);
    // Spec 5.2: a reader of version N accepts any blob whose last_comp_version <= N.
    if (version < min_version) return fail(error::bad_version, hdr_version);
    if (last_comp > max_comp_version || last_comp > version) return fail(error::bad_version, hdr_last_comp);
    const uint32_t header_size = version >= 17 ? header_size_v17 : header_size_v16;
    if (avail < header_size) return fail(error::null_blob, 0);

    const uint64_t total = be32(p + hdr_totalsize);
    if (total < header_size || total > avail) return fail(error::bad_totalsize, hdr_totalsize);

    const uint64_t off_struct = be32(p + hdr_off_struct);
    const uint64_t off_strings = be32(p + hdr_off_strings);
    const uint64_t off_rsv = be32(p + hdr_off_rsvmap);
    const uint64_t size_strings = be32(p + hdr_size_strings);
    // v16 has no size_dt_struct: the structure block may reach the end.
    const uint64_t size_struct = version >= 17 ? be32(p + hdr_size_struct) : total - off_struct;

    // Spec 5.1: the reservation block is 8-byte aligned, the structure block 4-byte.
    if (off_rsv % 8) return fail(error::misaligned, hdr_off_rsvmap);
    if (off_struct % 4) return fail(error::misaligned, hdr_off_struct);
    if (off_struct < header_size || off_struct + size_struct > total || size_struct < 4)
        return fail(error::bad_block, hdr_off_struct);
    if (off_strings < header_size || off_strings + size_strings > total)
        return fail(error::bad_block, hdr_off_strings);
    if (off_rsv < header_size || off_rsv + 16 > total) return fail(error::bad_block, hdr_off_rsvmap);

    tree t;
    t.blob_ = p;
    t.total_ = uint32_t(total);
    t.version_ = version;
    t.boot_cpuid_ = be32(p + hdr_boot_cpuid);
    t.struct_begin_ = uint32_t(off_struct);
    t.struct_end_ = uint32_t(off_struct + size_struct);
    t.strings_begin_ = uint32_t(off_strings);
    t.strings_end_ = uint32_t(off_strings + size_strings);
    t.rsv_begin_ = uint32_t(off_rsv);

    // Spec 5.3: (address, size) pairs up to one with both zero.
    for (uint64_t off = off_rsv;; off += 16) {
        if (off + 16 > total) return fail(error::bad_rsvmap, off);
        uint64_t base, size;
        (void)t.read_u64(uint32_t(off), base);
        (void)t.read_u64(uint32_t(off + 8), size);
        if (base == 0 && size == 0) break;
        ++t.rsv_count_;
    }

    // One pass over the structure block: every token well formed, nodes
    // balanced and not too deep, properties before subnodes (spec 5.4.2),
    // exactly one root, then FDT_END.
    uint32_t off = t.struct_begin_, depth = 0, tok, at;
    bool seen_root = false, child_seen[max_depth + 2] = {};
    for (;;) {
        if (!t.token(off, tok, at, off)) return t.classify(off);
        switch (tok) {
        case token::begin_node:
            if (depth == 0) {
                if (seen_root) return fail(error::bad_token, at);
                seen_root = true;
                t.root_ = at;
            } else {
                child_seen[depth] = true;
            }
            if (depth == max_depth + 1) return fail(error::too_deep, at);
            ++depth;
            child_seen[depth] = false;
            ++t.nodes_;
            break;
        case token::end_node:
            if (depth == 0) return fail(error::unbalanced, at);
            --depth;
            break;
        case token::prop: {
            if (depth == 0) return fail(error::bad_token, at);
            if (child_seen[depth]) return fail(error::bad_token, at);
            property pr;
            if (!t.decode_prop(at, pr)) return fail(error::bad_string, at);
            break;
        }
        case token::end:
            if (depth != 0) return fail(error::unbalanced, at);
            if (!seen_root) return fail(error::bad_token, at);
            out = t;
            return status{};
        default:
            return fail(error::bad_token, at);
        }
    }
}

status tree::classify(uint32_t off) const {
    // token() refused what is at `off`: say why, at the first non-NOP word.
    while (off >= struct_begin_ && uint64_t(off) + 4 <= struct_end_ && (off & 3) == 0 &&
           be32(blob_ + off) == token::nop)
        off += 4;
    if (off < struct_begin_ || uint64_t(off) + 4 > struct_end_) return fail(error::no_end, off);
    const uint32_t raw = be32(blob_ + off);
    if (raw == token::begin_node) return fail(error::bad_name, off);
    if (raw == token::prop) return fail(error::bad_property, off);
    return fail(error::bad_token, off);
}

// ---- tree: navigation -----------------------------------------------------

const char* tree::name(node n) const {
    uint32_t tok, at, after;
    if (!n || !token(n.offset, tok, at, after) || tok != token::begin_node || at != n.offset)
        return "";
    return reinterpret_cast<const char*>(blob_ + n.offset + 4);
}

node tree::first_child(node n) const {
    uint32_t tok, at, off;
    if (!n || !token(n.offset, tok, at, off) || tok != token::begin_node) return {};
    for (;;) {
        if (!token(off, tok, at, off)) return {};
        if (tok == token::prop) continue;
        return tok == token::begin_node ? node{at} : node{};
    }
}

node tree::next_sibling(node n) const {
    uint32_t off, tok, at, after;
    if (!n || !skip_node(n.offset, off)) return {};
    if (!token(off, tok, at, after)) return {};
    return tok == token::begin_node ? node{at} : node{};
}

bool tree::ancestry(node n, uint32_t* stack, uint32_t& depth) const {
    if (!n) return false;
    uint32_t off = struct_begin_, tok, at;
    depth = 0;
    for (;;) {
        if (!token(off, tok, at, off)) return false;
        if (tok == token::begin_node) {
            if (depth > max_depth) return false;
            stack[depth++] = at;
            if (at == n.offset) return true;
        } else if (tok == token::end_node) {
            if (depth == 0) return false;
            --depth;
        } else if (tok == token::end) {
            return false;
        }
    }
}

node tree::parent(node n) const {
    uint32_t stack[max_depth + 1], depth;
    if (!ancestry(n, stack, depth) || depth < 2) return {};
    return node{stack[depth - 2]};
}

uint32_t tree::depth(node n) const {
    uint32_t stack[max_depth + 1], depth;
    return ancestry(n, stack, depth) ? depth - 1 : 0;
}

bool tree::next_property(node n, uint32_t& cursor, property& out) const {
    uint32_t tok, at, off;
    if (!n) return false;
    if (cursor == 0) {
        if (!token(n.offset, tok, at, off) || tok != token::begin_node) return false;
    } else {
        off = cursor;
    }
    if (!token(off, tok, at, off) || tok != token::prop) return false;
    if (!decode_prop(at, out)) return false;
    cursor = off;
    return true;
}

bool tree::find_property(node n, const char* name, property& out) const {
    uint32_t cursor = 0;
    property p;
    while (next_property(n, cursor, p)) {
        if (str_eq(p.name(), name)) {
            out = p;
            return true;
        }
    }
    return false;
}

uint32_t tree::u32_or(node n, const char* name, uint32_t fallback) const {
    property p;
    uint32_t v;
    return find_property(n, name, p) && p.u32(0, v) ? v : fallback;
}

node tree::path(const char* path) const {
    if (!path || path[0] != '/') return {};
    node cur = root();
    const char* p = path;
    while (cur) {
        while (*p == '/') ++p;
        if (*p == '\0') return cur;
        size_t len = 0;
        bool has_unit = false;
        while (p[len] && p[len] != '/') has_unit |= p[len++] == '@';
        node loose{};
        node exact{};
        for (node c = first_child(cur); c && !exact; c = next_sibling(c)) {
            const char* nm = name(c);
            size_t i = 0;
            while (i < len && nm[i] == p[i]) ++i;
            if (i != len) continue;
            if (nm[len] == '\0') exact = c;
            else if (!has_unit && nm[len] == '@' && !loose) loose = c;
        }
        cur = exact ? exact : loose;
        p += len;
    }
    return {};
}

node tree::by_phandle(uint32_t ph) const {
    // Spec 2.3.3: 0 and 0xffffffff are not valid phandles.
    if (ph == 0 || ph == 0xffffffffu) return {};
    uint32_t off = struct_begin_, tok, at;
    for (;;) {
        if (!token(off, tok, at, off) || tok == token::end) return {};
        if (tok != token::begin_node) continue;
        node n{at};
        uint32_t v;
        property pr;
        if ((find_property(n, "phandle", pr) || find_property(n, "linux,phandle", pr)) &&
            pr.u32(0, v) && v == ph)
            return n;
    }
}

node tree::find_compatible(const char* compat, node after) const {
    uint32_t off = struct_begin_, tok, at;
    bool past = !after;
    for (;;) {
        if (!token(off, tok, at, off) || tok == token::end) return {};
        if (tok != token::begin_node) continue;
        if (!past) {
            past = at == after.offset;
            continue;
        }
        property pr;
        if (find_property(node{at}, "compatible", pr) && pr.has_string(compat)) return node{at};
    }
}

bool tree::path_of(node n, char* buf, size_t cap) const {
    if (!buf || cap == 0) return false;
    buf[0] = '\0';
    uint32_t stack[max_depth + 1], depth;
    if (!ancestry(n, stack, depth)) return false;
    size_t len = 0;
    auto put = [&](char c) {
        if (len + 1 < cap) buf[len++] = c;
    };
    if (depth == 1) put('/');
    for (uint32_t i = 1; i < depth; ++i) {
        put('/');
        for (const char* s = name(node{stack[i]}); *s; ++s) put(*s);
    }
    buf[len] = '\0';
    return true;
}

bool tree::reserved(uint32_t index, uint64_t& base, uint64_t& size) const {
    if (index >= rsv_count_) return false;
    const uint64_t off = uint64_t(rsv_begin_) + uint64_t(index) * 16;
    return off + 16 <= total_ && read_u64(uint32_t(off), base) && read_u64(uint32_t(off + 8), size);
}

}  // namespace smpboot::fdt
