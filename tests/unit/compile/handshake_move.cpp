// SPDX-License-Identifier: MIT
// Compiled twice by tests/unit/CMakeLists.txt: with SMPBOOT_LEGAL_MOVE it must
// compile; without, it makes moves that handshake.hpp's table does not allow
// (the AP making the boot CPU's move, and a move that is not in the table),
// and must not.
#include <smpboot/handshake.hpp>

bool try_moves(smpboot::atomic<smpboot::ap_sync>& word) {
    using smpboot::ap_sync;
    namespace hs = smpboot::handshake;
#ifdef SMPBOOT_LEGAL_MOVE
    return hs::bp_moves<ap_sync::up_done, ap_sync::down_requested>(word) ||
           hs::ap_moves<ap_sync::kicked, ap_sync::alive>(word);
#else
    return hs::ap_moves<ap_sync::up_done, ap_sync::down_requested>(word) ||
           hs::bp_moves<ap_sync::idle, ap_sync::alive>(word);
#endif
}
