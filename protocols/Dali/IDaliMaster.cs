namespace City.Protocols.Dali;

/// <summary>How a master interface sends one forward frame.</summary>
/// <param name="ExpectAnswer">Wait for a backward frame after the (last) frame.</param>
/// <param name="SendTwice">Send the frame twice back to back (configuration commands), nothing in between.</param>
/// <param name="Priority">Settling-time priority before the frame.</param>
public readonly record struct DaliTransmit(bool ExpectAnswer = false, bool SendTwice = false, DaliPriority Priority = DaliPriority.P5)
{
    public static DaliTransmit For(DaliCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new DaliTransmit(command.ExpectsAnswer, command.SendTwice, command.Priority);
    }
}

/// <summary>
/// A DALI master interface: puts a forward frame on the bus and, when asked, reports the backward frame. Every bus condition
/// (no answer, collision, no bus power, a silent interface) is a <see cref="DaliBusResult"/>; exceptions are kept for a broken
/// transport (the serial port went away) and cancellation. One transaction at a time per line.
/// </summary>
public interface IDaliMaster
{
    ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken);
}
