# The default comparison from R, through the Python package, with reticulate:
#   Rscript python/examples/compare.R      (from the liquidity folder, after `pip install ./python`)
library(reticulate)
liquidity <- import("liquidity")
# Through a list of columns: older reticulate releases leave a pandas 2 DataFrame unconverted.
tidy <- as.data.frame(liquidity$compare(regimes = c("none", "buyer"))$to_dict("list"))
crypto <- tidy[tidy$variable == "p_crypto", ]
end <- aggregate(value ~ regime, data = crypto, FUN = function(v) v[length(v)])
for (i in seq_len(nrow(end))) cat(sprintf("%s %.12f\n", end$regime[i], end$value[i]))
