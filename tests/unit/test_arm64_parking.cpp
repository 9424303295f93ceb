// SPDX-License-Identifier: MIT
// The OS side of the parking protocol's wake-up (smpboot/arm64/parking.hpp)
// on a mailbox in host memory: what is written, in which order, and what is
// refused without a write.
#include <doctest/doctest.h>

#include <smpboot/arm64/parking.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace parking = smpboot::arm64::parking;

namespace {

// What the mailbox held each time the wake-up made something visible or sent
// the SGI, so the order of the writes can be checked.
struct event {
    std::string what;
    uint32_t cpu_id;
    uint64_t jump;
    size_t offset, size;
};

struct recorder {
    parking::mailbox* mb = nullptr;
    std::vector<event> events;
};

void make_visible(void* ctx, const volatile void* p, size_t size) {
    auto& r = *static_cast<recorder*>(ctx);
    const auto off = size_t(static_cast<const volatile char*>(p) - reinterpret_cast<char*>(r.mb));
    r.events.push_back({"visible", r.mb->cpu_id, r.mb->jump_address, off, size});
}

void wake_sgi(void* ctx, uint32_t cpu_id) {
    auto& r = *static_cast<recorder*>(ctx);
    r.events.push_back({"sgi", cpu_id, r.mb->jump_address, 0, 0});
}

struct fixture {
    alignas(4096) parking::mailbox mb;
    recorder rec;
    parking::ops ops{&rec, make_visible, wake_sgi};
    fixture() {
        std::memset(&mb, 0xa5, sizeof mb);   // firmware's bytes, to see they stay
        mb.cpu_id = parking::no_cpu_id;
        mb.jump_address = 0;
        rec.mb = &mb;
    }
    bool untouched_beyond_header() const {
        const auto* p = reinterpret_cast<const unsigned char*>(&mb);
        for (size_t i = 16; i < sizeof mb; ++i)
            if (p[i] != 0xa5) return false;
        return true;
    }
};

}  // namespace

TEST_CASE("arm64 parking: jump address first, then the CPU ID, then the SGI") {
    fixture f;
    const uint64_t phys = 0x8fff0000;
    REQUIRE(parking::wake(f.mb, phys, 1, 3, 0x40081000, f.ops) == parking::status::ok);
    REQUIRE(f.rec.events.size() == 3);
    // The jump address was visible while the CPU ID still said "nobody".
    CHECK(f.rec.events[0].what == "visible");
    CHECK(f.rec.events[0].offset == 0x8);
    CHECK(f.rec.events[0].size == 8);
    CHECK(f.rec.events[0].jump == 0x40081000);
    CHECK(f.rec.events[0].cpu_id == parking::no_cpu_id);
    // Then the CPU ID, made visible before the interrupt.
    CHECK(f.rec.events[1].what == "visible");
    CHECK(f.rec.events[1].offset == 0x0);
    CHECK(f.rec.events[1].size == 4);
    CHECK(f.rec.events[1].cpu_id == 3);
    CHECK(f.rec.events[2].what == "sgi");
    CHECK(f.rec.events[2].cpu_id == 3);
    CHECK(f.rec.events[2].jump == 0x40081000);
    CHECK(f.mb.cpu_id == 3);
    CHECK(f.mb.jump_address == 0x40081000);
    CHECK(f.mb.reserved == 0xa5a5a5a5u);
    CHECK(f.untouched_beyond_header());
}

TEST_CASE("arm64 parking: refusals write nothing and send no SGI") {
    fixture f;
    SUBCASE("a mailbox that is not 4 KiB aligned") {
        CHECK(parking::wake(f.mb, 0x8fff0800, 1, 1, 0x40081000, f.ops) == parking::status::misaligned);
        CHECK(parking::wake(f.mb, 0x8fff0008, 1, 1, 0x40081000, f.ops) == parking::status::misaligned);
    }
    SUBCASE("a Parked Address of 0") {
        CHECK(parking::wake(f.mb, 0, 1, 1, 0x40081000, f.ops) == parking::status::misaligned);
    }
    SUBCASE("a version other than 1") {
        CHECK(parking::wake(f.mb, 0x8fff0000, 0, 1, 0x40081000, f.ops) == parking::status::bad_version);
        CHECK(parking::wake(f.mb, 0x8fff0000, 2, 1, 0x40081000, f.ops) == parking::status::bad_version);
    }
    SUBCASE("a mailbox already in use (CPU ID not 0xFFFFFFFF)") {
        f.mb.cpu_id = 1;   // an earlier wake-up: the protocol uses a mailbox once
        CHECK(parking::wake(f.mb, 0x8fff0000, 1, 1, 0x40081000, f.ops) == parking::status::busy);
        CHECK(f.mb.cpu_id == 1);
        f.mb.cpu_id = parking::no_cpu_id;
    }
    CHECK(f.rec.events.empty());
    CHECK(f.mb.cpu_id == parking::no_cpu_id);
    CHECK(f.mb.jump_address == 0);
    CHECK(f.untouched_beyond_header());
}

TEST_CASE("arm64 parking: the checks and their messages") {
    CHECK(parking::check(0x1000, 1) == parking::status::ok);
    CHECK(parking::check(0x1001, 1) == parking::status::misaligned);
    CHECK(parking::check(0x1000, 3) == parking::status::bad_version);
    CHECK(std::string(parking::to_string(parking::status::misaligned)).find("4 KiB") != std::string::npos);
    CHECK(std::string(parking::to_string(parking::status::busy)).find("0xFFFFFFFF") != std::string::npos);
}

TEST_CASE("arm64 parking: acknowledged once the woken CPU clears the jump address") {
    fixture f;
    CHECK_FALSE(parking::acknowledged(f.mb));   // nobody sent yet (CPU ID 0xFFFFFFFF)
    REQUIRE(parking::wake(f.mb, 0x8fff0000, 1, 2, 0x40081000, f.ops) == parking::status::ok);
    CHECK_FALSE(parking::acknowledged(f.mb));   // sent, the CPU has not answered
    f.mb.jump_address = 0;                      // what the parked CPU writes before it jumps
    CHECK(parking::acknowledged(f.mb));
}
