using City.Contract.Wire;

namespace City.Edge.Commands;

/// <summary>Where a bus priority command from central goes (the priority devices' runtime; absent in an edge without one).</summary>
internal interface IPriorityCommands
{
    /// <summary>The checks on arrival: null when it may run, else the refusal answered REJECTED (unknown-target, out-of-range, not-permitted).</summary>
    CommandRefusal? CheckPriority(PriorityRequestAction action);

    /// <summary>Hands it to the device, as if its bus had sent it; done once the controller acknowledged it.</summary>
    Task<CommandOutcome> SubmitAsync(PriorityRequestAction action, CancellationToken cancellationToken);
}
