using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>
/// Bus time of DALI frames (IEC 62386-101; the figures are also in protocols/Dali/README.md): one bit = 1/1200 s; a 16-bit
/// forward frame is 17 bits with its start bit (14.17 ms), a 24-bit one 25 bits (20.83 ms), a backward frame 9 bits (7.5 ms).
/// Settling times are the minimum of each range: 5.5 ms before a backward frame; before a forward frame 13.5 ms (P1, the
/// second frame of a send-twice pair), 14.9 (P2), 16.3 (P3), 17.9 (P4), 19.5 ms (P5).
/// </summary>
internal static class DaliWireTiming
{
    public static readonly TimeSpan BackwardFrame = Bits(9);
    public static readonly TimeSpan ForwardToBackward = TimeSpan.FromMilliseconds(5.5);

    public static TimeSpan ForwardFrame(DaliForwardFrame frame) => Bits(frame.Bits + 1);

    private static TimeSpan Bits(int count) => TimeSpan.FromSeconds(count / 1200.0);

    public static TimeSpan SettlingBefore(DaliPriority priority) => priority switch
    {
        DaliPriority.P1 => TimeSpan.FromMilliseconds(13.5),
        DaliPriority.P2 => TimeSpan.FromMilliseconds(14.9),
        DaliPriority.P3 => TimeSpan.FromMilliseconds(16.3),
        DaliPriority.P4 => TimeSpan.FromMilliseconds(17.9),
        _ => TimeSpan.FromMilliseconds(19.5),
    };
}
