using City.Protocols.Dali;
using City.Protocols.Dali.Luba;

namespace City.Fuzzing.Targets;

/// <summary>
/// DALI's untrusted bytes: LUBA frames on the serial line (both the host's and the interface's messages) and the memory
/// bank images a control gear answers (D4i identity, diagnostics and energy).
/// </summary>
internal static class DaliTargets
{
    /// <summary>A LUBA byte stream read frame by frame (resynchronising as the transport does), every message kind tried on each frame.</summary>
    public static void Luba(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            LubaReadStatus status = LubaFraming.TryRead(input, out LubaFrame frame, out int consumed, out _);
            if (status == LubaReadStatus.NeedMoreData)
            {
                return;
            }

            if (status == LubaReadStatus.Done)
            {
                LubaTransmitRequest.TryRead(frame, out _, out _);
                LubaTransmitResponse.TryRead(frame, out _, out _);
                LubaEvent.TryRead(frame, out _, out _);
                LubaDeviceInfoQuery.TryRead(frame, out _, out _);
                LubaDeviceInfo.TryRead(frame, out _, out _);
                LubaSettings.TryRead(frame, frame.Command, out _, out _);
                DaliForwardFrame.TryRead(frame.Payload, out _);
            }

            if (consumed <= 0)
            {
                throw new InvalidOperationException($"LubaFraming.TryRead returned {status} without consuming a byte: the reader would spin.");
            }

            input = input[consumed..];
        }
    }

    /// <summary>Bank images: [length of the first image][length of the second] then the images, read as every decoder reads a bank.</summary>
    public static void D4iBanks(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        ReadOnlySpan<byte> rest = input[2..];
        ReadOnlySpan<byte> first = rest[..Math.Min(input[0], rest.Length)];
        rest = rest[first.Length..];
        ReadOnlySpan<byte> second = rest[..Math.Min(input[1], rest.Length)];
        ReadOnlySpan<byte> third = rest[second.Length..];

        D4iIdentity.From(D4iLuminaireData.Decode(first), DaliBank0Identity.Decode(second));
        D4iIdentity.From(D4iLuminaireData.Decode(third), null);
        D4iDiagnostics.Decode(first, second, third);
        if (D4iEnergy.TryDecode(first, out var report))
        {
            _ = report.ToString();
        }

        for (int offset = 0; offset + 1 < third.Length && offset < 16; offset++)
        {
            D4iEnergy.DecodeScaled(third[offset..Math.Min(third.Length, offset + 7)], "Wh");
        }

        DaliForwardFrame.TryRead(input, out _);
    }
}
