"""What every capability uses: errors, names, the instance catalogue, alarm context, console links."""
