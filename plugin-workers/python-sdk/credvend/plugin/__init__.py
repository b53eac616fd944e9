# Package marker: zipimport (running from code.zip) needs regular packages.
