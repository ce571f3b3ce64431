"""Natural-language layer of GridBot: tokenizer, category classifier, grid locator, train/eval.

Imports nothing from the rest of the application; jieba is loaded lazily on first use.
"""
