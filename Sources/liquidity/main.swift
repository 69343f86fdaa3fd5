print("liquidity")
