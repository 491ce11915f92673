using City.Protocols.Dali;
using City.Sim.Dali;

namespace City.Sim.Tests;

/// <summary>An <see cref="IDaliMaster"/> wired straight to a simulated line, without an interface or a serial port.</summary>
internal sealed class DirectLineMaster(DaliSimLine line) : IDaliMaster
{
    public int Transactions { get; private set; }

    public ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        Transactions++;
        var answer = line.Transmit(frame);
        if (transmit.SendTwice && answer.Kind != DaliLineAnswerKind.NoPower)
        {
            answer = line.Transmit(frame);
        }

        return ValueTask.FromResult(answer.Kind switch
        {
            DaliLineAnswerKind.NoPower => DaliBusResult.BusPowerFailure,
            _ when !transmit.ExpectAnswer => DaliBusResult.Sent,
            DaliLineAnswerKind.Value => DaliBusResult.Answer(answer.Value),
            DaliLineAnswerKind.Collision => DaliBusResult.FramingError,
            _ => DaliBusResult.NoAnswer,
        });
    }
}
