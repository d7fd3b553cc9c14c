// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC20 {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @notice A constant-product pool of two tokens in the style of Uniswap V2, with a 0.3% fee.
/// Swaps read and write the stored reserves, so swaps on one pool conflict and swaps on
/// different pools do not. Tokens and reserves are plain storage, set in the genesis.
contract Pair {
    address public token0;
    address public token1;
    uint256 public reserve0;
    uint256 public reserve1;

    event Swap(address indexed trader, bool zeroForOne, uint256 amountIn, uint256 amountOut);

    error ZeroAmount();

    /// @notice Pulls `amountIn` of one token from the caller (an allowance to this pair is
    /// needed) and sends back the other token's output at the current reserves.
    function swap(bool zeroForOne, uint256 amountIn) external returns (uint256 amountOut) {
        (address tokenIn, address tokenOut, uint256 reserveIn, uint256 reserveOut) = zeroForOne
            ? (token0, token1, reserve0, reserve1)
            : (token1, token0, reserve1, reserve0);
        uint256 inWithFee = amountIn * 997;
        amountOut = (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
        if (amountOut == 0) revert ZeroAmount();
        IERC20(tokenIn).transferFrom(msg.sender, address(this), amountIn);
        IERC20(tokenOut).transfer(msg.sender, amountOut);
        if (zeroForOne) {
            (reserve0, reserve1) = (reserveIn + amountIn, reserveOut - amountOut);
        } else {
            (reserve0, reserve1) = (reserveOut - amountOut, reserveIn + amountIn);
        }
        emit Swap(msg.sender, zeroForOne, amountIn, amountOut);
    }
}
