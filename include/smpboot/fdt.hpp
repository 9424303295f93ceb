// SPDX-License-Identifier: MIT
// A read-only flattened device-tree (DTB) reader for freestanding code.
//
// tree::open() validates the whole blob once: the header (devicetree spec
// v0.4 section 5.2), the memory reservation block (5.3), every token of the
// structure block (5.4) and every property-name offset into the strings block
// (5.5). Anything malformed gives an error value naming the reason and the
// byte offset; nothing is read outside [blob, blob + avail). The accessors
// still check bounds on every read, so a tree is safe even if the caller
// changes the bytes after open() (they then see errors, never overreads).
//
//   smpboot::fdt::tree t;
//   if (auto st = smpboot::fdt::tree::open(dtb, dtb_size, t); !st) panic(to_string(st.code));
//   smpboot::fdt::node cpus = t.path("/cpus");
//   for (smpboot::fdt::node c = t.first_child(cpus); c; c = t.next_sibling(c)) ...
//
// Big-endian values are read byte by byte, so the blob may sit at any address.
#pragma once

#include <smpboot/base.hpp>

namespace smpboot::fdt {

/// Why a blob was refused.
enum class error : uint8_t {
    ok = 0,
    null_blob,          ///< no pointer, or fewer bytes than a header
    bad_magic,          ///< not 0xd00dfeed
    bad_version,        ///< version < 16, or last_comp_version newer than 17
    bad_totalsize,      ///< totalsize smaller than the header or larger than the buffer
    bad_block,          ///< a block's offset or size lies outside the blob
    misaligned,         ///< a block offset breaks the spec's alignment
    bad_rsvmap,         ///< reservation map runs off the blob without its end entry
    bad_token,          ///< unknown token, or a token where it may not be
    bad_name,           ///< node name not terminated inside the structure block
    bad_property,       ///< property header or value runs off the structure block
    bad_string,         ///< property-name offset outside the strings block, or unterminated
    too_deep,           ///< nesting deeper than max_depth
    unbalanced,         ///< END_NODE without BEGIN_NODE, or nodes left open at FDT_END
    no_end,             ///< the structure block has no FDT_END
};

/// A short lower-case reason ("bad magic"). Never null.
const char* to_string(error e);

/// The outcome of open(): the error and where in the blob it was found.
struct [[nodiscard]] status {
    error code = error::ok;
    uint32_t offset = 0;   ///< byte offset from the start of the blob

    constexpr explicit operator bool() const { return code == error::ok; }
};

/// Nodes nested deeper than this are refused (the root is depth 0).
inline constexpr uint32_t max_depth = 32;

/// Devicetree spec 5.1 / 5.2: the magic and the versions this reader understands.
inline constexpr uint32_t magic = 0xd00dfeed;
inline constexpr uint32_t min_version = 16;
inline constexpr uint32_t max_comp_version = 17;

/// A node, named by the offset of its FDT_BEGIN_NODE token in the blob.
struct node {
    static constexpr uint32_t none = ~uint32_t{0};
    uint32_t offset = none;

    constexpr explicit operator bool() const { return offset != none; }
    constexpr bool operator==(const node&) const = default;
};

/// One property of a node. The value is raw big-endian bytes; the helpers
/// decode it and say false / nullptr when the value is too short or not a string.
class property {
public:
    constexpr property() = default;
    constexpr property(const char* name, const uint8_t* data, uint32_t size, uint32_t offset)
        : name_(name), data_(data), size_(size), offset_(offset) {}

    const char* name() const { return name_; }
    const uint8_t* data() const { return data_; }
    uint32_t size() const { return size_; }
    /// Offset of the FDT_PROP token in the blob.
    uint32_t offset() const { return offset_; }

    /// The index-th 32-bit cell.
    bool u32(uint32_t index, uint32_t& out) const;
    /// `ncells` (1 or 2) cells starting at cell `first`, as one number.
    bool cells(uint32_t first, uint32_t ncells, uint64_t& out) const;
    /// The value if it is one NUL-terminated string (embedded NULs refused).
    const char* str() const;
    /// Whether the value, read as a string list, holds `s`.
    bool has_string(const char* s) const;
    /// The index-th string of a string list, or nullptr.
    const char* string_at(uint32_t index) const;

private:
    const char* name_ = nullptr;
    const uint8_t* data_ = nullptr;
    uint32_t size_ = 0;
    uint32_t offset_ = 0;
};

/// A validated blob. Cheap to copy (a pointer and a few offsets).
class tree {
public:
    /// Validate `blob`, of which at most `avail` bytes may be read; on
    /// success `out` is usable. `avail` may exceed the blob's totalsize.
    static status open(const void* blob, size_t avail, tree& out);

    /// For a kernel that only has the pointer: the blob's totalsize from its
    /// header, or 0 when the magic is wrong. Pass it (or less) as `avail`.
    static uint32_t size_hint(const void* blob);

    uint32_t total_size() const { return total_; }
    uint32_t version() const { return version_; }
    uint32_t boot_cpuid_phys() const { return boot_cpuid_; }
    uint32_t node_count() const { return nodes_; }
    const uint8_t* data() const { return blob_; }

    node root() const { return node{root_}; }
    /// The node's name with its unit address ("cpu@1"); "" for the root.
    const char* name(node n) const;
    node first_child(node n) const;
    node next_sibling(node n) const;
    node parent(node n) const;
    uint32_t depth(node n) const;

    /// The property called `name` of node `n`.
    bool find_property(node n, const char* name, property& out) const;
    /// Iterate a node's properties: start with cursor = 0; false at the end.
    bool next_property(node n, uint32_t& cursor, property& out) const;
    /// Convenience: the first cell of a property, or `fallback`.
    uint32_t u32_or(node n, const char* name, uint32_t fallback) const;

    /// An absolute path ("/cpus/cpu@1"). A component without '@' also
    /// matches a node whose name has a unit address ("cpus" ~ "cpus@0")
    /// when no node has the exact name.
    node path(const char* path) const;
    /// The node whose phandle (or linux,phandle) is `ph`.
    node by_phandle(uint32_t ph) const;
    /// The first node after `after` (document order) with `compat` in its compatible list.
    node find_compatible(const char* compat, node after = {}) const;

    /// Devicetree spec 2.3.5: a parent's #address-cells / #size-cells,
    /// defaulting to 2 and 1.
    uint32_t address_cells(node parent) const { return u32_or(parent, "#address-cells", 2); }
    uint32_t size_cells(node parent) const { return u32_or(parent, "#size-cells", 1); }

    /// Full path of `n` into `buf` (cut to `cap`, always terminated).
    /// Returns false if `n` is not a node of this tree.
    bool path_of(node n, char* buf, size_t cap) const;

    /// The memory reservation block (spec 5.3), excluding its end entry.
    uint32_t reserved_count() const { return rsv_count_; }
    bool reserved(uint32_t index, uint64_t& base, uint64_t& size) const;

private:
    struct cursor;

    bool read_u32(uint32_t off, uint32_t& v) const;
    bool read_u64(uint32_t off, uint64_t& v) const;
    /// The token at `off` (NOPs skipped): its kind, its offset, and the offset after it.
    bool token(uint32_t off, uint32_t& tok, uint32_t& at, uint32_t& after) const;
    /// Offset after the FDT_END_NODE that closes the node starting at `off`.
    bool skip_node(uint32_t off, uint32_t& after) const;
    /// The ancestors of `n` from the root, via one scan; false if `n` is not a node.
    bool ancestry(node n, uint32_t* stack, uint32_t& depth) const;
    bool decode_prop(uint32_t at, property& out) const;
    status classify(uint32_t off) const;

    const uint8_t* blob_ = nullptr;
    uint32_t total_ = 0;
    uint32_t version_ = 0;
    uint32_t boot_cpuid_ = 0;
    uint32_t struct_begin_ = 0, struct_end_ = 0;
    uint32_t strings_begin_ = 0, strings_end_ = 0;
    uint32_t rsv_begin_ = 0, rsv_count_ = 0;
    uint32_t root_ = node::none;
    uint32_t nodes_ = 0;
};

/// Structure block tokens, devicetree spec 5.4.1.
namespace token {
inline constexpr uint32_t begin_node = 0x1;
inline constexpr uint32_t end_node = 0x2;
inline constexpr uint32_t prop = 0x3;
inline constexpr uint32_t nop = 0x4;
inline constexpr uint32_t end = 0x9;
}  // namespace token

}  // namespace smpboot::fdt
