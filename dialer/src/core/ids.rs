//! Newtype ids: the core refers to calls, agents and leads by id, never by reference.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id!(
    /// A call attempt, unique within a run (outbound ids come from the core, inbound ones from
    /// [`Dialer::inbound_call_id`](crate::core::Dialer::inbound_call_id)).
    CallId(u64),
    "call-"
);
id!(
    /// An agent; small and dense (agent tables are indexed by it).
    AgentId(u32),
    "agent-"
);
id!(
    /// A lead: one person the campaign may call, possibly several times.
    LeadId(u64),
    "lead-"
);

impl AgentId {
    /// The table index of this agent.
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}
