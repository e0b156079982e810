/**
 * Codebook compression and LoRA merging, all distances through {@code Ops.nearestCode}:
 * <pre>
 *   KMeans              k-means++ seeding and Lloyd iterations (the one clustering mechanism)
 *   VectorQuantizer     VQ loss, straight-through gradient, usage EMA and MBC's dead-code reset
 *   ResidualCodes       vectors as codebook indices, optionally in residual stages; PackedCodes packs them
 *   MemoryBank          MiniLM embeddings of SOTU passages and mails; BankCompression measures it compressed
 *   AdapterCompression  LoRA A rows / B columns as codebook + indices; CodebookStore writes them
 *   LoraMerge           linear, cat and LoRA-LEGO merging of LoRA directories (LoraFile)
 *   AdapterBenchmarks   the fine-tuned LoRAs and tables behind {@code compress --mode adapter} and {@code merge --benchmark}
 * </pre>
 */
package org.peft4j.codebook;
