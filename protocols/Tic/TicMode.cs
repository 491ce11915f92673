namespace City.Protocols.Tic;

/// <summary>The two forms of a Linky meter's téléinformation output (Enedis-NOI-CPT_54E).</summary>
public enum TicMode
{
    /// <summary>Mode historique: 1200 baud 7E1, fields separated by SP, the checksum leaves the last separator out.</summary>
    Historic,

    /// <summary>Mode standard: 9600 baud 7E1, fields separated by HT, the checksum includes the last separator.</summary>
    Standard,
}

/// <summary>Wire facts of each mode.</summary>
public static class TicModes
{
    public const int HistoricBaudRate = 1200;
    public const int StandardBaudRate = 9600;

    /// <summary>Bits on the wire per character: start, 7 data, even parity, stop.</summary>
    public const int BitsPerCharacter = 10;

    public static int BaudRate(this TicMode mode) => mode == TicMode.Standard ? StandardBaudRate : HistoricBaudRate;

    /// <summary>The field separator: SP in historic mode, HT in standard mode.</summary>
    public static byte Separator(this TicMode mode) => mode == TicMode.Standard ? TicChars.HT : TicChars.SP;

    /// <summary>How long <paramref name="characters"/> take on the wire at the mode's speed.</summary>
    public static TimeSpan WireTime(this TicMode mode, int characters) =>
        TimeSpan.FromSeconds((double)characters * BitsPerCharacter / mode.BaudRate());

    /// <summary>"historic" / "standard" (also accepts "historique"), any case.</summary>
    public static bool TryParse(string? text, out TicMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "historic" or "historique" or "hist":
                mode = TicMode.Historic;
                return true;
            case "standard" or "std":
                mode = TicMode.Standard;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    public static string Name(this TicMode mode) => mode == TicMode.Standard ? "standard" : "historic";
}

/// <summary>The control characters of the TIC.</summary>
public static class TicChars
{
    /// <summary>Start of a frame.</summary>
    public const byte STX = 0x02;

    /// <summary>End of a frame.</summary>
    public const byte ETX = 0x03;

    /// <summary>The meter interrupts the frame it was sending.</summary>
    public const byte EOT = 0x04;

    /// <summary>Start of an information group.</summary>
    public const byte LF = 0x0A;

    /// <summary>End of an information group.</summary>
    public const byte CR = 0x0D;

    /// <summary>Separator of standard mode.</summary>
    public const byte HT = 0x09;

    /// <summary>Separator of historic mode.</summary>
    public const byte SP = 0x20;

    /// <summary>7 data bits: on a link where the parity bit reaches the reader (a pty, a UART set to 8 bits) it is dropped.</summary>
    public const byte DataMask = 0x7F;
}
