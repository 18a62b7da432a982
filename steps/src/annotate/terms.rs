//! Sequence Ontology consequence terms and their severity ranking.
//!
//! The ranking is Ensembl VEP's (most severe first), which the PCGR/CPSR reports also use: a
//! variant's most severe consequence is the first of its terms in this list, across its
//! transcripts, with ties between transcripts broken MANE Select > canonical > protein-coding >
//! longer CDS > transcript id. `IMPACT` follows VEP's HIGH/MODERATE/LOW/MODIFIER classes.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Term {
    TranscriptAblation,
    SpliceAcceptor,
    SpliceDonor,
    StopGained,
    Frameshift,
    StopLost,
    StartLost,
    InframeInsertion,
    InframeDeletion,
    Missense,
    ProteinAltering,
    SpliceRegion,
    StartRetained,
    StopRetained,
    Synonymous,
    CodingSequence,
    FivePrimeUtr,
    ThreePrimeUtr,
    NonCodingExon,
    Intron,
    Upstream,
    Downstream,
    Intergenic,
}

impl Term {
    pub const ALL: [Term; 23] = [
        Term::TranscriptAblation,
        Term::SpliceAcceptor,
        Term::SpliceDonor,
        Term::StopGained,
        Term::Frameshift,
        Term::StopLost,
        Term::StartLost,
        Term::InframeInsertion,
        Term::InframeDeletion,
        Term::Missense,
        Term::ProteinAltering,
        Term::SpliceRegion,
        Term::StartRetained,
        Term::StopRetained,
        Term::Synonymous,
        Term::CodingSequence,
        Term::FivePrimeUtr,
        Term::ThreePrimeUtr,
        Term::NonCodingExon,
        Term::Intron,
        Term::Upstream,
        Term::Downstream,
        Term::Intergenic,
    ];

    /// The Sequence Ontology name.
    pub fn so(self) -> &'static str {
        match self {
            Term::TranscriptAblation => "transcript_ablation",
            Term::SpliceAcceptor => "splice_acceptor_variant",
            Term::SpliceDonor => "splice_donor_variant",
            Term::StopGained => "stop_gained",
            Term::Frameshift => "frameshift_variant",
            Term::StopLost => "stop_lost",
            Term::StartLost => "start_lost",
            Term::InframeInsertion => "inframe_insertion",
            Term::InframeDeletion => "inframe_deletion",
            Term::Missense => "missense_variant",
            Term::ProteinAltering => "protein_altering_variant",
            Term::SpliceRegion => "splice_region_variant",
            Term::StartRetained => "start_retained_variant",
            Term::StopRetained => "stop_retained_variant",
            Term::Synonymous => "synonymous_variant",
            Term::CodingSequence => "coding_sequence_variant",
            Term::FivePrimeUtr => "5_prime_UTR_variant",
            Term::ThreePrimeUtr => "3_prime_UTR_variant",
            Term::NonCodingExon => "non_coding_transcript_exon_variant",
            Term::Intron => "intron_variant",
            Term::Upstream => "upstream_gene_variant",
            Term::Downstream => "downstream_gene_variant",
            Term::Intergenic => "intergenic_variant",
        }
    }

    pub fn from_so(name: &str) -> Option<Term> {
        Term::ALL.iter().copied().find(|t| t.so() == name)
    }

    pub fn impact(self) -> &'static str {
        use Term::*;
        match self {
            TranscriptAblation | SpliceAcceptor | SpliceDonor | StopGained | Frameshift
            | StopLost | StartLost => "HIGH",
            InframeInsertion | InframeDeletion | Missense | ProteinAltering => "MODERATE",
            SpliceRegion | StartRetained | StopRetained | Synonymous => "LOW",
            _ => "MODIFIER",
        }
    }

    /// Loss-of-function ("truncating") consequences, as the knowledge base's `truncating` class.
    pub fn is_truncating(self) -> bool {
        matches!(
            self,
            Term::StopGained
                | Term::Frameshift
                | Term::SpliceAcceptor
                | Term::SpliceDonor
                | Term::StartLost
                | Term::TranscriptAblation
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_follows_the_list() {
        assert!(Term::SpliceDonor < Term::Missense);
        assert!(Term::Synonymous < Term::Intron);
        assert_eq!(Term::from_so("missense_variant"), Some(Term::Missense));
        assert_eq!(Term::Frameshift.impact(), "HIGH");
        for w in Term::ALL.windows(2) {
            assert!(w[0] < w[1]);
        }
    }
}
