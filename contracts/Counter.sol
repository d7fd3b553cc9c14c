// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Numbered counters in one contract: every increment of a counter reads and writes
/// its slot, so increments of one counter are strictly serial.
contract Counter {
    mapping(uint256 => uint256) public counts;

    event Incremented(uint256 indexed id, uint256 count);

    function increment(uint256 id) external {
        uint256 count = counts[id] + 1;
        counts[id] = count;
        emit Incremented(id, count);
    }
}
