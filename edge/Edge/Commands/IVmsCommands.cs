using City.Contract.Wire;

namespace City.Edge.Commands;

/// <summary>Where a message-sign command goes (the vms driver's signs; absent in an edge without signs).</summary>
internal interface IVmsCommands
{
    /// <summary>The checks on arrival (the sign exists, the operation, the MULTI text against the sign): null when it may run.</summary>
    CommandRefusal? Check(VmsAction action);

    /// <summary>Puts the message on the sign, or blanks it, and reads back what the sign shows.</summary>
    Task<CommandOutcome> ExecuteAsync(VmsAction action, CancellationToken cancellationToken);
}
