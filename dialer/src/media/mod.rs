//! Media for live calls: G.711 codecs, RTP packetisation and receive statistics, SDP offer/answer.
