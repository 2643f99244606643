"""The real-workload suite's cases (issue 18): contractions taken from public code, one dict
each. Only the einsum string, the extents, the dtype and where they come from are recorded here;
no code is taken from the cited repositories.

Fields:
  id, class      short id; the class REAL.md summarizes by
  subscripts     the contraction as an explicit einsum (an ellipsis in the source is bound to the
                 named batch labels given; matmul / bmm / tensordot calls are written as the einsum
                 they compute)
  extents        label -> extent
  dtype          numpy dtype name
  source         repository, path, commit of the stored copy read, and the function or class
                 the call sits in (the stored copies give character offsets, not line numbers:
                 REAL.md says so)
  checked        'read': the stored file was read and the call found in it; 'excerpt': the exact
                 string was found in the public-code index in the named function, and the
                 repository identified from that function (commit "(not read)"); 'issue': an example of issue 18's
                 table whose repository the index did not identify (not counted as cited)
  shapes         where the extents come from, and what was scaled down to keep a case within
                 ~1-100 ms at one thread
"""

# Extents reused below.
_AF = "AlphaFold 2 model config (config.py): msa_channel 256, pair_channel 128"
_TXL = ("Transformer-XL wt103 base (pytorch/run_wt103_base.sh): n_head 10, d_head 41, "
        "tgt_len 150, mem_len 150 (klen 300); batch 60 scaled to 4")
_H2O = "H2O / cc-pVTZ, all-electron RCCSD: 58 orbitals, nocc 5, nvir 53 (f64)"
_DMRG = ("two-site DMRG of the spin-1/2 Heisenberg chain: bond dimension chi 128, physical d 2, "
         "MPO bond w 5 (f64)")
_MACE = ("MACE symmetric contraction, correlation 3, l_max 3 (16 spherical components), "
         "U_3 (16,16,16,23) as in MACE's own example shapes, 10 elements; 32 atoms x 64 "
         "channels (scaled from 128 channels)")


def _c(case_id, cls, subscripts, extents, dtype, repo, path, commit, where, checked, shapes):
    return dict(id=case_id, **{"class": cls}, subscripts=subscripts, extents=extents,
                dtype=dtype, source=dict(repo=repo, path=path, commit=commit, where=where),
                checked=checked, shapes=shapes)


CASES = [
    # --- complex contractions -------------------------------------------------------------
    _c("W1", "complex", "fdtk,fetl->fkdle",
       dict(f=257, d=8, e=8, t=12, k=10, l=10), "complex128",
       "fgnt/nara_wpe", "nara_wpe/tf_wpe.py", "15e6862", "get_correlations", "read",
       "issue 18: F 257 (512-point STFT), D 8 channels, taps 10 (nara_wpe's default); "
       "frames T 1238 scaled to 12"),
    _c("W2", "complex", "fdtk,fet->fked",
       dict(f=257, d=8, e=8, t=12, k=10), "complex128",
       "fgnt/nara_wpe", "nara_wpe/tf_wpe.py", "15e6862", "get_correlations", "read",
       "as W1"),
    _c("FNO", "complex", "bixy,ioxy->boxy",
       dict(b=20, i=32, o=32, x=12, y=12), "complex64",
       "zongyi-li/fourier_neural_operator", "fourier_2d.py", "4ed7737", "compl_mul2d", "read",
       "the file's config: batch_size 20, width 32, modes 12 (this version writes the complex "
       "product as four real einsums on (re, im) pairs; run here as one c64 einsum)"),
    _c("BF1", "complex", "bfct,bfet->bftce",
       dict(b=2, f=257, c=6, e=6, t=200), "complex64",
       "espnet/espnet", "espnet/nets/pytorch_backend/frontends/beamformer.py", "1153ac6",
       "get_power_spectral_density_matrix ('...ct,...et->...tce')", "read",
       "CHiME-4: 6 microphones, 257 bins; batch 2, 200 frames"),
    _c("BF2", "complex", "bfec,bfcd->bfed",
       dict(b=8, f=257, c=6, d=6, e=6), "complex64",
       "espnet/espnet", "espnet/nets/pytorch_backend/frontends/beamformer.py", "1153ac6",
       "get_mvdr_vector ('...ec,...cd->...ed')", "read",
       "CHiME-4: 6 microphones, 257 bins; batch 8"),
    _c("BF4", "complex", "bfc,bfct->bft",
       dict(b=8, f=257, c=6, t=500), "complex64",
       "espnet/espnet", "espnet/nets/pytorch_backend/frontends/beamformer.py", "1153ac6",
       "apply_beamforming_vector ('...c,...ct->...t')", "read",
       "CHiME-4: 6 microphones, 257 bins; batch 8, 500 frames (8 s at 16 ms hop)"),

    # --- batch labels innermost / interleaved ---------------------------------------------
    _c("AF5", "batch-inner", "ikc,jkc->ijc", dict(i=96, j=96, k=96, c=128), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "TriangleMultiplication._triangle_multiplication (c.equation, 'outgoing')", "read",
       _AF + ", num_intermediate_channel 128; N_res crop 256 scaled to 96"),
    _c("AF6", "batch-inner", "kjc,kic->ijc", dict(i=96, j=96, k=96, c=128), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "TriangleMultiplication._triangle_multiplication (c.equation, 'incoming')", "read",
       "as AF5"),
    _c("TX1", "batch-inner", "ibnd,jbnd->ijbn", dict(i=150, j=300, b=4, n=10, d=41), "float32",
       "kimiyoung/transformer-xl", "pytorch/mem_transformer.py", "0110210",
       "RelPartialLearnableMultiHeadAttn.forward (AC)", "read", _TXL),
    _c("TX2", "batch-inner", "ibnd,jnd->ijbn", dict(i=150, j=300, b=4, n=10, d=41), "float32",
       "kimiyoung/transformer-xl", "pytorch/mem_transformer.py", "0110210",
       "RelPartialLearnableMultiHeadAttn.forward (BD)", "read", _TXL),
    _c("TX3", "batch-inner", "ijbn,jbnd->ibnd", dict(i=150, j=300, b=4, n=10, d=41), "float32",
       "kimiyoung/transformer-xl", "pytorch/mem_transformer.py", "0110210",
       "RelPartialLearnableMultiHeadAttn.forward (attn_vec)", "read", _TXL),
    _c("CIN", "batch-inner", "bhd,bmd->bhmd", dict(b=256, h=64, m=26, d=4), "float32",
       "shenweichen/DeepCTR-Torch", "deepctr_torch/layers/interaction.py", "05b5282",
       "CIN.forward", "read",
       "Criteo: 26 sparse fields, embedding_dim 4 (DeepCTR's SparseFeat default), batch 256, "
       "second CIN layer (layer_size 128, split_half: 64 maps)"),
    _c("AFOPM", "batch-inner", "acb,ade->dceb", dict(a=32, b=64, c=32, d=64, e=32), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "OuterProductMean.compute_chunk", "read",
       _AF + ", num_outer_channel 32; N_seq 512 scaled to 32, N_res 256 scaled to 64"),
    _c("AFNORM", "batch-inner", "abc,adc->bdc", dict(a=512, b=256, d=256, c=1), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "OuterProductMean (mask norm)", "read",
       "N_seq 512 (max_msa_clusters), N_res 256 (crop); c is the mask's trailing 1"),

    # --- small batched products with a transposed operand ---------------------------------
    _c("DLRM", "small-batched-T", "bnd,bmd->bnm", dict(b=2048, n=27, m=27, d=128), "float32",
       "facebookresearch/dlrm", "dlrm_s_pytorch.py", "(not read)",
       "DLRM_Net.interact_features: torch.bmm(T, torch.transpose(T, 1, 2))", "excerpt",
       "MLPerf DLRM (Criteo Terabyte): 26 sparse + 1 dense feature, arch-sparse-feature-size "
       "128, mini-batch 2048"),
    _c("DLRMK", "small-batched-T", "bnd,bmd->bnm", dict(b=128, n=27, m=27, d=16), "float32",
       "facebookresearch/dlrm", "dlrm_s_pytorch.py", "(not read)",
       "DLRM_Net.interact_features: torch.bmm(T, torch.transpose(T, 1, 2))", "excerpt",
       "Criteo Kaggle config: arch-sparse-feature-size 16, mini-batch 128"),
    _c("AUTOINT", "small-batched-T", "bnik,bnjk->bnij", dict(b=2, n=256, i=26, j=26, k=8),
       "float32", "shenweichen/DeepCTR-Torch", "deepctr_torch/layers/interaction.py",
       "05b5282", "InteractingLayer.forward", "read",
       "defaults head_num 2, att_embedding_size 8; Criteo 26 fields, batch 256"),
    _c("AFG1", "small-batched-T", "bhc,bkc->bhk", dict(b=256, h=8, c=8, k=1024), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "GlobalAttention.__call__ (logits)", "read",
       "extra-MSA column global attention: extra_msa_channel 64 over 8 heads, 1024 extra "
       "sequences, N_res 256"),
    _c("AFG2", "small-batched-T", "bhk,bkc->bhc", dict(b=256, h=8, c=8, k=1024), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "GlobalAttention.__call__ (weighted_avg)", "read", "as AFG1"),
    _c("MACE3", "small-batched-T", "bcwi,bci->bcw", dict(b=32, c=64, w=16, i=16), "float32",
       "ACEsuit/mace", "mace/modules/symmetric_contraction.py", "0485bc6",
       "Contraction.__init__ (parse_subscript_features, nu=1, l_out 0)", "read", _MACE),

    # --- chains of 3+ operands ------------------------------------------------------------
    _c("DMRG", "chain", "ijkl,mni,nopj,oqrk,sql->mprs",
       dict(i=128, l=128, m=128, s=128, j=2, k=2, p=2, r=2, n=5, o=5, q=5), "float64",
       "quicophy/mdopt", "mdopt/optimiser/dmrg.py", "0978dbf",
       "EffectiveOperator._EINSUM (two-site matvec)", "read", _DMRG),
    _c("PERF2", "chain", "bhde,bhnd,bhn->bhne", dict(b=1, h=8, n=1024, d=266, e=64),
       "float32", "lucidrains/performer-pytorch", "performer_pytorch/performer_pytorch.py",
       "(not read)", "linear_attention ('...de,...nd,...n->...ne')", "excerpt",
       "Performer defaults: dim_head 64, nb_features int(64 ln 64) = 266, 8 heads; "
       "sequence 1024, batch 1"),
    _c("MACE1", "chain", "wxik,ekc,bci,be->bcwx",
       dict(w=16, x=16, i=16, k=23, e=10, c=64, b=32), "float32",
       "ACEsuit/mace", "mace/modules/symmetric_contraction.py", "0485bc6",
       "Contraction.__init__ (parse_subscript_main, correlation 3, l_out 0)", "read", _MACE),
    _c("MACE2", "chain", "wxk,ekc,be->bcwx", dict(w=16, x=16, k=4, e=10, c=64, b=32),
       "float32", "ACEsuit/mace", "mace/modules/symmetric_contraction.py", "0485bc6",
       "Contraction.__init__ (parse_subscript_weighting, nu=2, l_out 0)", "read",
       _MACE + "; U_2 (16,16,4)"),
    _c("BF5", "chain", "bfa,bfab,bfbc,bfc->bf", dict(b=8, f=257, a=6, c=6), "complex64",
       "espnet/espnet", "espnet/nets/pytorch_backend/frontends/beamformer.py", "1153ac6",
       "blind_analytic_normalization ('...a,...ab,...bc,...c->...')", "read",
       "CHiME-4: 6 microphones, 257 bins; batch 8"),
    _c("BF6", "chain", "bfa,bfab,bfb->bf", dict(b=8, f=257, a=6), "complex64",
       "espnet/espnet", "espnet/nets/pytorch_backend/frontends/beamformer.py", "1153ac6",
       "blind_analytic_normalization ('...a,...ab,...b->...')", "read", "as BF5"),
    _c("CCC1", "chain", "abcd,ic,jd->ijab", dict(a=53, b=53, c=53, d=53, i=5, j=5),
       "float64", "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550",
       "update_amps (cc2 branch)", "read", _H2O),
    _c("CCC2", "chain", "klij,ka,lb->ijab", dict(k=5, l=5, i=5, j=5, a=53, b=53), "float64",
       "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550", "update_amps (cc2 branch)", "read",
       _H2O),
    _c("NI", "chain", "ni,ij,mj->nm", dict(n=1000, m=1000, i=64, j=64), "float32",
       "(not identified)", "(index hits: a Gaussian-kernel quadratic form, a GP marginal "
       "likelihood)", "", "issue 18's example", "issue",
       "1000 x 1000 points in 64 dimensions (chosen here)"),

    # --- 4-index chemistry ----------------------------------------------------------------
    _c("CC1", "chemistry", "abcd,ijcd->ijab", dict(a=53, b=53, c=53, d=53, i=5, j=5),
       "float64", "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550",
       "update_amps (particle-particle ladder, Wvvvv x tau)", "read", _H2O),
    _c("CC2", "chemistry", "klij,klab->ijab", dict(k=5, l=5, i=5, j=5, a=53, b=53),
       "float64", "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550",
       "update_amps (hole-hole ladder, Woooo x tau)", "read", _H2O),
    _c("CC3", "chemistry", "akic,kjcb->ijab", dict(a=53, b=53, c=53, i=5, j=5, k=5),
       "float64", "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550",
       "update_amps (ring, Wvoov x t2)", "read", _H2O),
    _c("CC4", "chemistry", "bkci,kjac->ijab", dict(a=53, b=53, c=53, i=5, j=5, k=5),
       "float64", "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550",
       "update_amps (cross ring, Wvovo x t2)", "read", _H2O),
    _c("CC5", "chemistry", "kdac,ikcd->ia", dict(a=53, c=53, d=53, i=5, k=5), "float64",
       "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550", "update_amps (T1: ovvv x t2)",
       "read", _H2O),
    _c("CC6", "chemistry", "ac,ijcb->ijab", dict(a=53, b=53, c=53, i=5, j=5), "float64",
       "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550", "update_amps (Lvv x t2)", "read",
       _H2O),
    _c("CC7", "chemistry", "kilc,klac->ia", dict(a=53, c=53, i=5, k=5, l=5), "float64",
       "pyscf/pyscf", "pyscf/cc/rccsd_slow.py", "057f550", "update_amps (T1: ooov x t2)",
       "read", _H2O),

    # --- attention ------------------------------------------------------------------------
    _c("VIT1", "attention", "bhid,bhjd->bhij", dict(b=4, h=12, i=197, j=197, d=64), "float32",
       "lucidrains/vit-pytorch", "vit_pytorch/vit.py", "0ebd4ed",
       "Attention.forward: torch.matmul(q, k.transpose(-1, -2))", "read",
       "ViT-B/16 at 224 px: 196 patches + cls, 12 heads, dim_head 64; batch 4"),
    _c("VIT2", "attention", "bhij,bhjd->bhid", dict(b=4, h=12, i=197, j=197, d=64), "float32",
       "lucidrains/vit-pytorch", "vit_pytorch/vit.py", "0ebd4ed",
       "Attention.forward: torch.matmul(attn, v)", "read", "as VIT1"),
    _c("LL1", "attention", "bhqd,bhkd->bhqk", dict(b=1, h=32, q=256, k=256, d=128), "float32",
       "huggingface/transformers", "src/transformers/models/llama/modeling_llama.py",
       "0022728", "LlamaAttention.forward: torch.matmul(query_states, key_states.transpose(2, 3))",
       "read", "Llama-2-7B: 32 heads, head_dim 128; sequence 256, batch 1"),
    _c("LL2", "attention", "bhqk,bhkd->bhqd", dict(b=1, h=32, q=256, k=256, d=128), "float32",
       "huggingface/transformers", "src/transformers/models/llama/modeling_llama.py",
       "0022728", "LlamaAttention.forward: torch.matmul(attn_weights, value_states)", "read",
       "as LL1"),
    _c("AF1", "attention", "bqa,ahc->bqhc", dict(b=16, q=128, a=256, h=8, c=32), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "Attention.__call__ (q projection)", "read",
       _AF + "; MSA row attention 8 heads x 32; N_seq 512 scaled to 16 rows, N_res 128"),
    _c("AF2", "attention", "bqhc,bkhc->bhqk", dict(b=16, q=128, k=128, h=8, c=32), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "Attention.__call__ (logits)", "read", "as AF1"),
    _c("AF3", "attention", "bhqk,bkhc->bqhc", dict(b=16, q=128, k=128, h=8, c=32), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "Attention.__call__ (weighted_avg)", "read", "as AF1"),
    _c("AF4", "attention", "bqhc,hco->bqo", dict(b=16, q=128, h=8, c=32, o=256), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "Attention.__call__ (output projection)", "read", "as AF1"),
    _c("AFGATE", "attention", "bqc,chv->bqhv", dict(b=16, q=128, c=256, h=8, v=32), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "Attention.__call__ (gating, 'bqc, chv->bqhv')", "read", "as AF1"),
    _c("AFBIAS", "attention", "qkc,ch->hqk", dict(q=256, k=256, c=128, h=8), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "MSARowAttentionWithPairBias.__call__ (nonbatched_bias)", "read",
       _AF + "; N_res 256, 8 heads"),
    _c("PERF1", "attention", "bhnd,bhne->bhde", dict(b=1, h=8, n=1024, d=266, e=64),
       "float32", "lucidrains/performer-pytorch", "performer_pytorch/performer_pytorch.py",
       "(not read)", "linear_attention ('...nd,...ne->...de')", "excerpt", "as PERF2"),

    # --- mixture of experts ---------------------------------------------------------------
    _c("MOE1", "moe", "sec,sm->ecm", dict(s=512, e=8, c=64, m=1024), "float32",
       "microsoft/DeepSpeed", "deepspeed/moe/sharded_moe.py", "01c61b8",
       "MOELayer.forward (dispatch)", "read",
       "8 experts, top-1, capacity_factor 1.0 (capacity 64), d_model 1024, 512 tokens"),
    _c("MOE2", "moe", "sec,ecm->sm", dict(s=512, e=8, c=64, m=1024), "float32",
       "microsoft/DeepSpeed", "deepspeed/moe/sharded_moe.py", "01c61b8",
       "einsum (the 'sec,ecm->sm' rule: combine)", "read", "as MOE1"),
    _c("MOE3", "moe", "se,sc->sec", dict(s=2048, e=8, c=512), "float32",
       "microsoft/DeepSpeed", "deepspeed/moe/sharded_moe.py", "01c61b8",
       "top2gating (combine1_sec)", "read",
       "2048 tokens, 8 experts, top-2 capacity 2 x 2048 / 8 = 512"),
    _c("MOE5", "moe", "ks,ksm->sm", dict(k=2, s=2048, m=1024), "float32",
       "microsoft/DeepSpeed", "deepspeed/moe/sharded_moe.py", "01c61b8",
       "einsum (the 'ks,ksm->sm' rule)", "read", "top-2, 2048 tokens, d_model 1024"),

    # --- tensor networks / decompositions -------------------------------------------------
    _c("DMRGR", "tensor-network", "ijk,lnjm,omp,knp->ilo",
       dict(i=128, k=128, o=128, p=128, j=2, m=2, l=5, n=5), "float64",
       "quicophy/mdopt", "mdopt/optimiser/dmrg.py", "0978dbf",
       "DMRG.update_right_environment", "read", _DMRG),
    _c("DMRGL", "tensor-network", "ijk,lnjm,omp,ilo->knp",
       dict(i=128, k=128, o=128, p=128, j=2, m=2, l=5, n=5), "float64",
       "quicophy/mdopt", "mdopt/optimiser/dmrg.py", "0978dbf",
       "DMRG.update_left_environment", "read", _DMRG),
    _c("TUCKER", "tensor-network", "ijkl,ip,jr->prkl", dict(i=16, j=16, k=3, l=3, p=320, r=320),
       "float32", "KohakuBlueleaf/LyCORIS", "lycoris/functional/general.py", "672e80a",
       "rebuild_tucker ('i j ..., i p, j r -> p r ...')", "read",
       "LoCon/LoHa on a Stable Diffusion 1.5 UNet 3x3 conv: 320 channels, conv rank 16"),
    _c("CPDEC", "tensor-network", "nmkl,in,mj->ijkl", dict(n=16, m=16, k=3, l=3, i=320, j=320),
       "float32", "tenebo/SD-UI", "extensions-builtin/Lora/lyco_helpers.py", "1c82679",
       "rebuild_cp_decomposition ('n m k l, i n, m j -> i j k l')", "read",
       "as TUCKER"),

    # --- signal processing / state-space models -------------------------------------------
    _c("MEL", "signal", "cft,mf->cmt", dict(c=2, f=1025, t=1292, m=128), "float32",
       "librosa/librosa", "librosa/feature/spectral.py", "(not read)",
       "melspectrogram ('...ft,mf->...mt')", "excerpt",
       "librosa defaults: n_fft 2048 (1025 bins), n_mels 128, hop 512 at 22050 Hz: 30 s of "
       "stereo audio = 1292 frames x 2 channels"),
    _c("MAMBA1", "signal", "bdl,dn->bdln", dict(b=1, d=1536, l=256, n=16), "float32",
       "state-spaces/mamba", "mamba_ssm/ops/selective_scan_interface.py", "(not read)",
       "selective_scan_ref (deltaA)", "excerpt",
       "Mamba-130M: d_inner 1536, d_state 16; sequence 2048 scaled to 256, batch 1"),
    _c("MAMBA2", "signal", "bdl,bnl,bdl->bdln", dict(b=1, d=1536, l=256, n=16), "float32",
       "state-spaces/mamba", "mamba_ssm/ops/selective_scan_interface.py", "(not read)",
       "selective_scan_ref (deltaB_u, variable B)", "excerpt", "as MAMBA1"),

    # --- recommenders ---------------------------------------------------------------------
    _c("AFM", "recommender", "bpe,ef->bpf", dict(b=256, p=325, e=4, f=4), "float32",
       "shenweichen/DeepCTR-Torch", "deepctr_torch/layers/interaction.py", "05b5282",
       "AFMLayer.forward: torch.tensordot(bi_interaction, attention_W, dims=([-1], [0]))",
       "read", "Criteo 26 fields: 325 pairs, embedding 4, attention_factor 4; batch 256"),
    _c("INTER", "recommender", "bfe,eh->bfh", dict(b=256, f=26, e=4, h=16), "float32",
       "shenweichen/DeepCTR-Torch", "deepctr_torch/layers/interaction.py", "05b5282",
       "InteractingLayer.forward: torch.tensordot(inputs, W_Query, dims=([-1], [0]))",
       "read", "defaults head_num 2 x att_embedding_size 8; embedding 4; batch 256"),

    # --- BENCH.md classes in real code ----------------------------------------------------
    _c("GEMM", "bench", "tk,nk->tn", dict(t=32, k=4096, n=4096), "float32",
       "huggingface/transformers", "src/transformers/models/llama/modeling_llama.py",
       "0022728", "LlamaAttention.forward: self.o_proj (nn.Linear, x @ W^T)", "read",
       "Llama-2-7B hidden 4096; 32 tokens (a decode step of 32 sequences)"),
    _c("OUTER", "bench", "i,j->ij", dict(i=4096, j=64), "float32",
       "huggingface/transformers", "src/transformers/models/llama/modeling_llama.py",
       "0022728", "LlamaRotaryEmbedding.__init__: torch.outer(t, self.inv_freq)", "read",
       "Llama-2: max_position_embeddings 4096, head_dim 128 (64 frequencies)"),
    _c("BDOT", "bench", "se,se->s", dict(s=8192, e=64), "float32",
       "microsoft/DeepSpeed", "deepspeed/moe/sharded_moe.py", "01c61b8",
       "top2gating (gates1_s)", "read", "8192 tokens, 64 experts"),
    _c("TDOT2", "bench", "dceb,cef->dbf", dict(d=64, c=32, e=32, b=64, f=128), "float32",
       "google-deepmind/alphafold", "alphafold/model/modules.py", "097ac4c",
       "OuterProductMean.compute_chunk (second einsum: two summed labels)", "read",
       _AF + "; N_res 256 scaled to 64, num_outer_channel 32, c_z 128"),
]
