"""LAMM's 3D point encoder, EPCL, in plain PyTorch: pointnet2 ops (:mod:`.ops`), the encoder (:mod:`.encoder`)
and the import of LAMM's released EPCL checkpoint (:mod:`.checkpoint`). See ``docs/epcl.md``."""
