using City.Contract.Wire;

namespace City.Edge.Commands;

/// <summary>Where a pushed edge configuration goes (the process's reloader; absent in an edge built without one, such as in-process tests).</summary>
internal interface IEdgeConfigPush
{
    /// <summary>The checks on arrival: null when it may be applied, else the refusal answered REJECTED.</summary>
    CommandRefusal? CheckPush(string commandId, EdgeConfigAction action);

    /// <summary>Starts applying it; a <see cref="CommandOutcome.Deferred"/> outcome means the final result is reported once its trial is decided.</summary>
    CommandOutcome Push(string commandId, EdgeConfigAction action);
}
