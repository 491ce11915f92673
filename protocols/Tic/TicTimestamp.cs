using System.Globalization;

namespace City.Protocols.Tic;

/// <summary>The season flag of a standard-mode date: summer time (E, UTC+2), winter time (H, UTC+1), or none given.</summary>
public enum TicSeason
{
    None,
    Summer,
    Winter,
}

/// <summary>
/// A date of standard mode ("horodate", 13 characters SAAMMJJhhmmss): the season flag S, then year, month, day, hour,
/// minute, second of the meter's legal (French) time. The flag is upper case while the meter's clock is valid and lower
/// case when it runs in degraded mode (lost after a long power cut); a space gives no season.
/// </summary>
public readonly record struct TicTimestamp(DateTime LocalTime, TicSeason Season, bool ClockValid)
{
    public const int Length = 13;

    /// <summary>The time with its UTC offset (+02:00 in summer, +01:00 in winter); null without a season flag.</summary>
    public DateTimeOffset? Time => Season switch
    {
        TicSeason.Summer => new DateTimeOffset(LocalTime, TimeSpan.FromHours(2)),
        TicSeason.Winter => new DateTimeOffset(LocalTime, TimeSpan.FromHours(1)),
        _ => null,
    };

    /// <summary>ISO 8601: with the offset when the season is known ("2019-12-03T12:58:05+01:00"), local time otherwise.</summary>
    public override string ToString() =>
        Time is { } time
            ? time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)
            : LocalTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Parses the 13 characters; false for anything else (a wrong flag, a digit missing, no such date).</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out TicTimestamp timestamp)
    {
        timestamp = default;
        if (text.Length != Length)
        {
            return false;
        }

        TicSeason season;
        bool valid;
        switch (text[0])
        {
            case (byte)'E' or (byte)'e':
                (season, valid) = (TicSeason.Summer, text[0] == 'E');
                break;
            case (byte)'H' or (byte)'h':
                (season, valid) = (TicSeason.Winter, text[0] == 'H');
                break;
            case (byte)' ':
                (season, valid) = (TicSeason.None, true);
                break;
            default:
                return false;
        }

        Span<int> parts = stackalloc int[6];
        for (int i = 0; i < 6; i++)
        {
            byte tens = text[1 + (2 * i)];
            byte units = text[2 + (2 * i)];
            if (!char.IsAsciiDigit((char)tens) || !char.IsAsciiDigit((char)units))
            {
                return false;
            }

            parts[i] = ((tens - '0') * 10) + (units - '0');
        }

        if (parts[1] is < 1 or > 12 || parts[2] < 1 || parts[2] > DateTime.DaysInMonth(2000 + parts[0], parts[1])
            || parts[3] > 23 || parts[4] > 59 || parts[5] > 59)
        {
            return false;
        }

        timestamp = new TicTimestamp(new DateTime(2000 + parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], DateTimeKind.Unspecified), season, valid);
        return true;
    }

    /// <summary>Writes the 13 characters.</summary>
    public void Write(Span<byte> destination)
    {
        char flag = Season switch
        {
            TicSeason.Summer => 'E',
            TicSeason.Winter => 'H',
            _ => ' ',
        };
        destination[0] = (byte)(ClockValid ? flag : char.ToLowerInvariant(flag));
        string digits = LocalTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        for (int i = 0; i < 12; i++)
        {
            destination[1 + i] = (byte)digits[i];
        }
    }
}
