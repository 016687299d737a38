"""The reader: a cross-encoder that scores whether one sentence answers a German question. In
use it orders the sentence scorer's best five (`rag.rerank`).

- `pairs`: the one text format of a (question, candidate) pair, shared by training and use, and
  the tokenizer that encodes it at question time without torch;
- `data`: training and kept-back examples from the shared German QA and news data;
- `retrieved`: news and topic questions paired with what the product's retrieval returns;
- `model`: the torch module (e5-small with its top layers fine-tuned and a linear head), the
  committed top-layer file, and the int8 ONNX export that set-up makes from it;
- `train`: `rag train reader`;
- `onnx_reader`: scoring at question time through ONNX Runtime (no torch).
"""
